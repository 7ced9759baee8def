/**
 * The fast path: the registry of notifications waiting for their payment row (Redis) and the
 * LISTEN on the order_payments INSERT trigger that promotes them at commit.
 */
import { AwaitingPayments } from '../awaiting-payments.js';
import type { WorkerDeps } from '../deps.js';
import { listenForPaymentRows, type PaymentRowListener } from '../payment-row-listener.js';

export interface FastPath {
  readonly awaiting: AwaitingPayments;
  readonly listener: PaymentRowListener;
}

export function startFastPath(deps: WorkerDeps): FastPath {
  const { logger } = deps;
  const awaiting = new AwaitingPayments(
    deps.redis,
    deps.config.QUEUE_PREFIX,
    deps.queues.notifications,
    logger,
  );
  const listener = listenForPaymentRows(deps.sql, logger, (orderCode) => {
    awaiting
      .wake(orderCode)
      .catch((error: unknown) =>
        logger.warn({ err: error, orderCode }, 'fast path failed; backoff will retry'),
      );
  });
  return { awaiting, listener };
}
