/**
 * Consumes payment.notification.process jobs: parses the raw body the API accepted and applies
 * it with the state machine. Classification:
 * - no payment row yet → remembered for the fast path, then thrown so BullMQ retries with backoff;
 * - Postgres unreachable or a lock wait → thrown, retried with backoff;
 * - a body that cannot be a notification → UnrecoverableError (the API validated it; this is a bug).
 */
import { isAppError, notificationJobSchema, type NotificationJobData } from '@lunas/core';
import { type Sql } from '@lunas/db';
import { notificationSchema } from '@lunas/midtrans';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { AwaitingPayments } from '../awaiting-payments.js';
import { applyMidtransStatus, type ApplyStatusResult, type PaidWatch } from '../sync/apply-status.js';

export interface ProcessNotificationDeps {
  readonly sql: Sql;
  readonly logger: Logger;
  readonly awaiting: AwaitingPayments;
  readonly onApplied?: (result: ApplyStatusResult) => void;
  /** See ApplyStatusInput.paidWatch; absent when reconciliation is off. */
  readonly paidWatch?: PaidWatch;
}

export function createNotificationProcessor(deps: ProcessNotificationDeps) {
  return async function processNotification(job: Job<NotificationJobData>): Promise<ApplyStatusResult> {
    const data = notificationJobSchema.safeParse(job.data);
    if (!data.success) {
      throw new UnrecoverableError('job data is not a notification job');
    }
    let body: unknown;
    try {
      body = JSON.parse(data.data.rawBody);
    } catch {
      throw new UnrecoverableError('job carries a body that is not JSON');
    }
    const parsed = notificationSchema.safeParse(body);
    if (!parsed.success) {
      throw new UnrecoverableError('job carries a body that is not a Midtrans notification');
    }
    const status = parsed.data;
    const jobId = job.id ?? null;
    try {
      const result = await applyMidtransStatus(deps.sql, {
        syncType: 'webhook',
        status,
        payload: body as Record<string, unknown>,
        jobId,
        ...(deps.paidWatch ? { paidWatch: deps.paidWatch } : {}),
      });
      if (jobId && job.attemptsMade > 0) {
        await deps.awaiting.forget(status.order_id, jobId);
      }
      logResult(deps.logger, result, status.transaction_status);
      deps.onApplied?.(result);
      return result;
    } catch (error) {
      if (isAppError(error) && error.code === 'LUNAS_ERR_PAYMENT_NOT_FOUND' && jobId) {
        await deps.awaiting.remember(status.order_id, jobId);
        deps.logger.warn(
          { orderCode: status.order_id, jobId, attempt: job.attemptsMade + 1 },
          'no payment row for this notification yet; will retry',
        );
      }
      throw error;
    }
  };
}

export function logResult(logger: Logger, result: ApplyStatusResult, midtransStatus: string): void {
  const fields = {
    orderCode: result.orderCode,
    paymentId: result.paymentId,
    outcome: result.outcome,
    from: result.from,
    to: result.to,
    midtransStatus,
  };
  if (result.reversal) {
    logger.error(
      { ...fields, reversal: true },
      'Midtrans reversed a paid payment; treat the order as unpaid',
    );
  } else if (result.outcome === 'rejected') {
    logger.error({ ...fields, reason: result.reason }, 'payment result rejected');
  } else {
    logger.info(fields, 'payment result recorded');
  }
}
