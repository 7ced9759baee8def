/**
 * LISTENs for the order_payments INSERT trigger's NOTIFY (the fast path). Postgres may be away
 * when a worker starts (a restart, an outage): then the worker starts anyway, notifications
 * fall back to their backoff, and this keeps trying to subscribe in the background.
 * postgres.js re-subscribes by itself after a later disconnect.
 */
import type { Sql } from '@lunas/db';
import type { Logger } from 'pino';

export const PAYMENT_INSERTED_CHANNEL = 'lunas_payment_inserted';

export interface PaymentRowListener {
  /** Settles after the first attempt to subscribe, whether it worked or not. */
  readonly firstAttempt: Promise<void>;
  close(): Promise<void>;
}

export function listenForPaymentRows(
  sql: Sql,
  logger: Logger,
  onInserted: (orderCode: string) => void,
  retryMs = 2_000,
): PaymentRowListener {
  let closed = false;
  let unlisten: (() => Promise<void>) | null = null;
  let timer: NodeJS.Timeout | null = null;
  let attempted!: () => void;
  const firstAttempt = new Promise<void>((resolve) => {
    attempted = resolve;
  });
  const subscribe = (): void => {
    sql
      .listen(PAYMENT_INSERTED_CHANNEL, onInserted)
      .finally(() => attempted())
      .then(
        (meta) => {
          if (closed) {
            void meta.unlisten().catch(() => undefined);
            return;
          }
          unlisten = () => meta.unlisten();
          logger.debug('listening for new payment rows (fast path on)');
        },
        (error: unknown) => {
          if (closed) {
            return;
          }
          logger.warn(
            { err: { message: (error as Error).message }, retryMs },
            'cannot LISTEN for new payment rows yet; fast path off, retrying',
          );
          timer = setTimeout(subscribe, retryMs);
        },
      );
  };
  subscribe();
  return {
    firstAttempt,
    async close() {
      closed = true;
      if (timer) {
        clearTimeout(timer);
      }
      await unlisten?.().catch(() => undefined);
    },
  };
}
