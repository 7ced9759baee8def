/**
 * Re-drives dead-lettered notifications whose only problem was a missing payment row. The
 * notification queue retries such a job for about an hour (NOTIFICATION_RETRY_DEFAULTS); a row
 * the shop commits later than that leaves the job in BullMQ's failed set. Once the row exists,
 * the sweep moves the job back to wait with job.retry(), and the normal path applies it (with
 * its webhook audit row). Until then it stays put; Get Status settles the payment as soon as
 * the row appears even if the dead letter were lost, since the sweep checks every open row.
 */
import { isPaymentNotFoundMessage, notificationJobSchema } from '@lunas/core';
import { orderCodesWithPayments, type Sql } from '@lunas/db';
import type { Job, Queue } from 'bullmq';
import type { Logger } from 'pino';

export interface RedriveDeps {
  readonly sql: Sql;
  readonly notificationQueue: Queue;
  readonly logger: Logger;
  /** Failed jobs looked at per sweep (newest first); bounds each sweep's work. */
  readonly limit: number;
}

export async function redriveDeadNotifications(deps: RedriveDeps): Promise<number> {
  if (deps.limit <= 0) {
    return 0;
  }
  const failed = (await deps.notificationQueue.getFailed(0, deps.limit - 1)) as Job[];
  const waiting = new Map<Job, string>();
  for (const job of failed) {
    if (!job || !isPaymentNotFoundMessage(job.failedReason)) {
      continue;
    }
    const orderCode = orderCodeOf(job);
    if (orderCode) {
      waiting.set(job, orderCode);
    }
  }
  if (waiting.size === 0) {
    return 0;
  }
  const present = await orderCodesWithPayments(deps.sql, [...new Set(waiting.values())]);
  let redriven = 0;
  for (const [job, orderCode] of waiting) {
    if (!present.has(orderCode)) {
      continue;
    }
    try {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      redriven += 1;
      deps.logger.info(
        { jobId: job.id, orderCode },
        'dead-lettered notification re-driven: its payment row exists now',
      );
    } catch (error) {
      // Another sweep (or an operator) moved it first.
      deps.logger.debug({ jobId: job.id, orderCode, err: error }, 're-drive skipped');
    }
  }
  return redriven;
}

function orderCodeOf(job: Job): string | null {
  const data = notificationJobSchema.safeParse(job.data);
  if (!data.success) {
    return null;
  }
  try {
    const body = JSON.parse(data.data.rawBody) as { order_id?: unknown };
    return typeof body.order_id === 'string' ? body.order_id : null;
  } catch {
    return null;
  }
}
