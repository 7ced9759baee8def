/**
 * The job catalog: every queue, job name, payload schema and retry policy in one place.
 * The API produces these jobs, the workers consume them; both import them from here.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const QUEUES = {
  notifications: 'payment-notifications',
} as const;

export const JOBS = {
  processNotification: 'payment.notification.process',
} as const;

/** What the API puts on the queue: the raw body as received, plus when it was received. */
export const notificationJobSchema = z.object({
  /** The request body exactly as Midtrans sent it (UTF-8 text). */
  rawBody: z.string(),
  /** ISO timestamp of receipt at the API. */
  receivedAt: z.string(),
});
export type NotificationJobData = z.infer<typeof notificationJobSchema>;

export interface NotificationIdentity {
  readonly transactionId: string;
  readonly transactionStatus: string;
  readonly statusCode: string;
  /** Cumulative refund amount; two refunds of one transaction differ only here. */
  readonly refundAmount?: string | undefined;
}

/**
 * The BullMQ job id of a notification: the same event redelivered maps to the same id, so
 * BullMQ refuses the second job. Ids are hashed: they must not contain ':' and must not be
 * all digits (BullMQ rules), and a fixed length keeps Redis keys bounded.
 */
export function notificationJobId(identity: NotificationIdentity): string {
  const key = [
    identity.transactionId,
    identity.transactionStatus.toLowerCase(),
    identity.statusCode,
    identity.refundAmount ?? '',
  ].join('\u0000');
  return `ntf-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

/**
 * Default retry policy of a notification job. Exponential backoff doubles from `backoffMs`;
 * with 13 attempts and 1 s the retries wait 1+2+…+2048 s ≈ 68 minutes in all, so a payment row
 * that the shop commits up to an hour late is still matched (sooner, through the fast path).
 */
export const NOTIFICATION_RETRY_DEFAULTS = {
  attempts: 13,
  backoffMs: 1_000,
  keepCompletedSeconds: 7 * 24 * 3600,
} as const;

export interface NotificationRetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
  /** Completed jobs are kept this long so that a redelivery is refused by its job id. */
  readonly keepCompletedSeconds: number;
}

/** BullMQ job options of a notification job. Failed jobs are kept: they are the dead letters. */
export function notificationJobOptions(jobId: string, policy: NotificationRetryPolicy) {
  return {
    jobId,
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: policy.backoffMs },
    removeOnComplete: { age: policy.keepCompletedSeconds },
    removeOnFail: false,
  } as const;
}

/** Total time the retries of a notification span, in ms (for docs and config checks). */
export function retrySpanMs(attempts: number, backoffMs: number): number {
  return backoffMs * (2 ** Math.max(0, attempts - 1) - 1);
}
