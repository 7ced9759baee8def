/**
 * Re-drives dead-lettered notifications once the cause that killed them has gone away. The
 * notification queue retries a job for about an hour (NOTIFICATION_RETRY_DEFAULTS); what is
 * still failing then lands in BullMQ's failed set. Each sweep looks at the newest failed jobs
 * and moves back to waiting (job.retry) those whose cause is gone:
 *
 * - no payment row yet → once the order has a payment row;
 * - Midtrans unavailable (unreachable, 401, circuit open) → once the circuit is closed;
 * - anything transient (a Postgres outage longer than the backoff, a worker killed more often
 *   than MAX_STALLED_COUNT) → now: the sweep itself just reached Postgres;
 * - permanent (not a verified notification, not a notification at all) → never.
 *
 * Each job is re-driven at most `maxPerJob` times (its count travels in the job's data), so a
 * notification that keeps failing ends visible in the dead letters instead of looping forever.
 * Until then the payment is not left to chance: the sweep's Get Status checks every open row.
 */
import {
  deadLetterCause,
  notificationJobSchema,
  notificationOrderCode,
  type DeadLetterCause,
} from '@lunas/core';
import { orderCodesWithPayments, type Sql } from '@lunas/db';
import { paymentLinkBaseOrderId } from '@lunas/midtrans';
import type { Job, Queue } from 'bullmq';
import type { Logger } from 'pino';

export interface RedriveDeps {
  readonly sql: Sql;
  readonly notificationQueue: Queue;
  readonly logger: Logger;
  /** Failed jobs looked at per sweep (newest first); bounds each sweep's work. */
  readonly limit: number;
  /** Re-drives allowed per job. */
  readonly maxPerJob: number;
  /** True while the Midtrans circuit is open (then Midtrans-caused dead letters stay put). */
  readonly midtransDown: () => Promise<boolean>;
}

export async function redriveDeadNotifications(deps: RedriveDeps): Promise<number> {
  if (deps.limit <= 0) {
    return 0;
  }
  const failed = (await deps.notificationQueue.getFailed(0, deps.limit - 1)) as (Job | undefined)[];
  const candidates: { job: Job; cause: DeadLetterCause; orderCode: string | null; redrives: number }[] = [];
  for (const job of failed) {
    if (!job) {
      continue;
    }
    const cause = deadLetterCause(job.failedReason);
    const data = notificationJobSchema.safeParse(job.data);
    if (cause === 'permanent' || !data.success) {
      continue;
    }
    const redrives = data.data.redrives ?? 0;
    if (redrives >= deps.maxPerJob) {
      continue;
    }
    candidates.push({ job, cause, orderCode: notificationOrderCode(data.data.rawBody), redrives });
  }
  if (candidates.length === 0) {
    return 0;
  }
  const waitingCodes = candidates
    .filter((c) => c.cause === 'payment_not_found' && c.orderCode)
    .flatMap((c) => [
      c.orderCode as string,
      paymentLinkBaseOrderId(c.orderCode as string) ?? (c.orderCode as string),
    ]);
  const present = await orderCodesWithPayments(deps.sql, [...new Set(waitingCodes)]);
  const midtransDown = candidates.some((c) => c.cause === 'midtrans_unavailable')
    ? await deps.midtransDown()
    : false;

  let redriven = 0;
  for (const { job, cause, orderCode, redrives } of candidates) {
    const gone =
      cause === 'payment_not_found'
        ? orderCode !== null &&
          (present.has(orderCode) || present.has(paymentLinkBaseOrderId(orderCode) ?? ''))
        : cause === 'midtrans_unavailable'
          ? !midtransDown
          : true;
    if (!gone) {
      continue;
    }
    try {
      await job.updateData({ ...(job.data as object), redrives: redrives + 1 });
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      redriven += 1;
      deps.logger.info(
        { jobId: job.id, orderCode, cause, redrive: redrives + 1, of: deps.maxPerJob },
        'dead-lettered notification re-driven: its cause is gone',
      );
    } catch (error) {
      // Another sweep (or an operator) moved it first.
      deps.logger.debug({ jobId: job.id, orderCode, err: error }, 're-drive skipped');
    }
  }
  return redriven;
}
