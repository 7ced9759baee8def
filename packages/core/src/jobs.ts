/**
 * The job catalog: every queue, job name, payload schema and retry policy in one place.
 * The API produces these jobs, the workers consume them; both import them from here.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MISMATCH_KINDS, SYNC_OUTCOMES } from './sync.js';

export const QUEUES = {
  notifications: 'payment-notifications',
} as const;

export const JOBS = {
  processNotification: 'payment.notification.process',
} as const;

/**
 * What the API puts on the queue: the body as received with its signature_key removed, the
 * time of receipt, and a seal (an HMAC the API computes with a key derived from the server key)
 * over exactly that body. The worker opens the seal before it acts, so a job that did not come
 * through the webhook route (added through Bull Board or straight into Redis) changes nothing,
 * and no readable copy of a Midtrans signature is kept anywhere (docs/midtrans.md).
 *
 * Jobs queued by an older API carry the whole body with its signature_key and no seal; the
 * worker verifies those by the Midtrans signature instead.
 */
export const notificationJobSchema = z.object({
  /** The request body (UTF-8 JSON text), signature_key removed. */
  rawBody: z.string(),
  /** ISO timestamp of receipt at the API. */
  receivedAt: z.string(),
  /** Hex HMAC-SHA256 of rawBody (see @lunas/midtrans sealNotification); absent on older jobs. */
  seal: z.string().optional(),
  /** Times the sweep re-drove this job out of the dead letters (bounded). */
  redrives: z.number().int().min(0).optional(),
});
export type NotificationJobData = z.infer<typeof notificationJobSchema>;

/**
 * The order code of a notification job, read from its raw body for logs, alerts and re-drive;
 * null if unreadable. Nothing is decided on it: the worker confirms with Get Status.
 */
export function notificationOrderCode(rawBody: unknown): string | null {
  try {
    const body = JSON.parse(typeof rawBody === 'string' ? rawBody : '') as { order_id?: unknown };
    return typeof body.order_id === 'string' ? body.order_id : null;
  } catch {
    return null;
  }
}

/** Everything that makes one notification distinct from another of the same transaction. */
export interface NotificationIdentity {
  readonly orderId: string;
  readonly transactionId: string;
  readonly transactionStatus: string;
  readonly fraudStatus?: string | null | undefined;
  readonly statusCode: string;
  readonly grossAmount: string;
  /** Cumulative refund amount; two refunds of one transaction differ here. */
  readonly refundAmount?: string | null | undefined;
  /**
   * The refunds listed, each by its key and whether the bank confirmed it: Midtrans sends a
   * refund twice, the second time with bank_confirmed_at, and both must be processed.
   */
  readonly refunds?: string | undefined;
}

/**
 * The BullMQ job id of a notification: the same event redelivered maps to the same id, so
 * BullMQ refuses the second job. Ids are hashed: they must not contain ':' and must not be
 * all digits (BullMQ rules), and a fixed length keeps Redis keys bounded. Nothing here is
 * trusted: an edited body gets an id of its own, and the worker confirms it with Get Status.
 */
export function notificationJobId(identity: NotificationIdentity): string {
  const key = [
    identity.orderId,
    identity.transactionId,
    identity.transactionStatus.trim().toLowerCase(),
    (identity.fraudStatus ?? '').trim().toLowerCase(),
    identity.statusCode,
    identity.grossAmount,
    identity.refundAmount ?? '',
    identity.refunds ?? '',
  ].join('\u0000');
  return `ntf-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

/**
 * Default retry policy of a notification job. Exponential backoff doubles from `backoffMs`;
 * with 13 attempts and 1 s the retries wait 1+2+…+2048 s ≈ 68 minutes in all, so a payment row
 * that the shop commits up to an hour late is still matched (sooner, through the fast path).
 *
 * Completed jobs are kept for a day but never more than the newest 100,000, so the memory they
 * take is bounded whatever the rate (about 0.2 GiB: docs/decisions/0016-notification-retention.md).
 */
export const NOTIFICATION_RETRY_DEFAULTS = {
  attempts: 13,
  backoffMs: 1_000,
  keepCompletedSeconds: 24 * 3600,
  keepCompletedCount: 100_000,
} as const;

export interface NotificationRetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
  /**
   * Completed jobs are kept at most this long. While a job is waiting, active or delayed a
   * redelivery is refused by its job id whatever this is; a kept completed job also refuses it,
   * and gives replay its stored notifications. A redelivery after that is a new job, which the
   * state machine records as a duplicate.
   */
  readonly keepCompletedSeconds: number;
  /** And at most this many completed jobs, the newest (default NOTIFICATION_RETRY_DEFAULTS). */
  readonly keepCompletedCount?: number | undefined;
}

/**
 * BullMQ job options of a notification job. Failed jobs are kept: they are the dead letters;
 * each keeps the stack trace of its last attempt only (13 traces made a dead letter ~8× larger).
 * Completed ones are pruned by BullMQ when a job completes: those older than the age (at most
 * 1,000 per completion), then all beyond the count (the newest kept), in the same script.
 */
export function notificationJobOptions(jobId: string, policy: NotificationRetryPolicy) {
  return {
    jobId,
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: policy.backoffMs },
    removeOnComplete: {
      age: policy.keepCompletedSeconds,
      count: policy.keepCompletedCount ?? NOTIFICATION_RETRY_DEFAULTS.keepCompletedCount,
    },
    removeOnFail: false,
    stackTraceLimit: 1,
  } as const;
}

/** Total time the retries of a notification span, in ms (for docs and config checks). */
export function retrySpanMs(attempts: number, backoffMs: number): number {
  return backoffMs * (2 ** Math.max(0, attempts - 1) - 1);
}

// ---------------------------------------------------------------------------------------------
// Reconciliation (issue 4): a scheduled sweep finds open payments that are due for a check and
// enqueues one reconcile job each; the admin API enqueues manual ones. Both are applied by the
// same processor, through the same state machine as notifications.

export const RECONCILE_QUEUES = {
  /** One job per scheduler tick; consumed with concurrency 1 and a Redis lock. */
  sweep: 'payment-reconcile-sweep',
  /** One job per payment check (scheduled or manual). */
  reconcile: 'payment-reconcile',
} as const;

export const RECONCILE_JOBS = {
  sweep: 'payment.reconcile.sweep',
  reconcilePayment: 'payment.reconcile.check',
} as const;

/** The id of the job scheduler that produces sweep jobs (one per deployment prefix). */
export const RECONCILE_SWEEP_SCHEDULER_ID = 'payment-reconcile-sweep';

export const reconcileJobSchema = z.object({
  /** order_payments.id (bigint as text). */
  paymentId: z.string().regex(/^\d{1,19}$/),
  orderCode: z.string().min(1).max(100),
  /** 'reconcile' when the sweep enqueued it, 'manual' for the admin "Sync Payment Status" button. */
  syncType: z.enum(['reconcile', 'manual']),
  /** ISO time the job was enqueued (for lag metrics and logs). */
  enqueuedAt: z.string(),
});
export type ReconcileJobData = z.infer<typeof reconcileJobSchema>;

/** What a reconcile job returns; the admin API answers the manual sync with it. */
export const reconcileJobResultSchema = z.object({
  paymentId: z.string(),
  orderCode: z.string(),
  /** 'skipped': the payment was final (or gone) before the check; nothing was asked. */
  outcome: z.enum([...SYNC_OUTCOMES, 'not_found', 'skipped']),
  updated: z.boolean(),
  /** The ledger entry Midtrans's answer implies (e.g. Lunas says PAID, Midtrans says pending). */
  mismatch: z.enum(MISMATCH_KINDS).nullable().optional(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  midtransStatus: z.string().nullable(),
});
export type ReconcileJobResult = z.infer<typeof reconcileJobResultSchema>;

/**
 * Id of a scheduled check: the payment plus the due time the sweep saw. Two sweeps that see
 * the same due row make one job; once the check moves next_check_at, the next one is new.
 */
export function reconcileJobId(paymentId: string, dueAtMs: number): string {
  return `rcn-${paymentId}-${Math.trunc(dueAtMs)}`;
}

/** Id of a manual check: every press of the button is its own job. */
export function manualReconcileJobId(paymentId: string, nowMs: number, nonce: string): string {
  return `man-${paymentId}-${Math.trunc(nowMs)}-${nonce}`;
}

/** Priorities (lower runs first): a person waiting on the button beats the background sweep. */
export const RECONCILE_PRIORITY = { manual: 1, scheduled: 10 } as const;

/** Retry policy of a check the sweep scheduled (RECONCILE_ATTEMPTS, RECONCILE_BACKOFF_MS). */
export interface ReconcileCheckPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
}

/**
 * BullMQ job options of a scheduled check. On its last attempt the payment is simply due again
 * at its next cadence step, so completed and failed checks are kept only for a look.
 */
export function reconcileCheckJobOptions(jobId: string, policy: ReconcileCheckPolicy) {
  return {
    jobId,
    priority: RECONCILE_PRIORITY.scheduled,
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: policy.backoffMs },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 24 * 3600, count: 10_000 },
  } as const;
}

/** Retries of a manual check: a person is waiting, so few and quick (about 3 s in all). */
export const MANUAL_RECONCILE_RETRY_DEFAULTS = { attempts: 3, backoffMs: 1_000 } as const;

/** BullMQ job options of a manual check (the admin "Sync Payment Status" button). */
export function manualReconcileJobOptions(jobId: string) {
  return {
    jobId,
    priority: RECONCILE_PRIORITY.manual,
    attempts: MANUAL_RECONCILE_RETRY_DEFAULTS.attempts,
    backoff: { type: 'exponential', delay: MANUAL_RECONCILE_RETRY_DEFAULTS.backoffMs },
    removeOnComplete: { age: 3600 },
    removeOnFail: { age: 24 * 3600 },
  } as const;
}

/**
 * BullMQ job options of a sweep (made by the job scheduler). Attempts 1: a failed sweep is
 * retried by the next tick, not by piling retries onto it.
 */
export const SWEEP_JOB_OPTIONS = {
  attempts: 1,
  removeOnComplete: { count: 100 },
  removeOnFail: { count: 100 },
} as const;

/**
 * The cadence of checks for one payment: the delay after its n-th check (0-based), the last
 * step repeating. Young payments settle (or are abandoned) fast, so they are checked often.
 */
export function nextCheckDelayMs(checkCount: number, cadenceMs: readonly number[]): number {
  if (cadenceMs.length === 0) {
    throw new RangeError('cadence must have at least one step');
  }
  const index = Math.min(Math.max(0, Math.trunc(checkCount)), cadenceMs.length - 1);
  return cadenceMs[index] ?? cadenceMs[cadenceMs.length - 1] ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Operations (issue 5): alert delivery is a job, so a Slack outage retries with backoff instead
// of losing the alert, and Bull Board shows undelivered ones.

export const ALERT_QUEUES = {
  alerts: 'ops-alerts',
} as const;

export const ALERT_JOBS = {
  deliver: 'ops.alert.deliver',
} as const;

export const ALERT_CAUSES = [
  'amount_rejected',
  'mismatch',
  'unverified_job',
  'reversal',
  'challenge',
  'dead_letter',
  'stuck_payment',
  'midtrans_circuit_open',
  'midtrans_unauthorized',
] as const;
export type AlertCause = (typeof ALERT_CAUSES)[number];

export const alertJobSchema = z.object({
  cause: z.enum(ALERT_CAUSES),
  /** What identifies this occurrence of the cause (an order code, a job id, "midtrans"). */
  key: z.string().min(1).max(200),
  /** The Slack-compatible text; built from a fixed template, never from a raw payload. */
  text: z.string().min(1).max(2_000),
  raisedAt: z.string(),
});
export type AlertJobData = z.infer<typeof alertJobSchema>;

/** Delivery retries: exponential from 2 s, 10 attempts (about 17 minutes in all). */
export const ALERT_RETRY_DEFAULTS = { attempts: 10, backoffMs: 2_000 } as const;

/**
 * BullMQ job options of an alert delivery. The deduplication id names the cause and its key:
 * while a delivery with that id was queued within `dedupeTtlS`, BullMQ refuses the next one, so
 * many workers seeing one cause send one message. The job id is unique per raise, so a delivery
 * kept in the completed set never blocks the next window's alert.
 */
export function alertJobOptions(input: {
  readonly jobId: string;
  readonly dedupeId: string;
  readonly dedupeTtlS: number;
}) {
  return {
    jobId: input.jobId,
    deduplication: { id: input.dedupeId, ttl: input.dedupeTtlS * 1000 },
    attempts: ALERT_RETRY_DEFAULTS.attempts,
    backoff: { type: 'exponential', delay: ALERT_RETRY_DEFAULTS.backoffMs },
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: { age: 30 * 24 * 3600 },
  } as const;
}

// ---------------------------------------------------------------------------------------------
// Cut-over (issue 14): with FORWARD_NOTIFICATION_URL set, the API queues each accepted
// notification a second time, verbatim, for the shop's old handler; a worker POSTs it with
// retries. Its own queue: the forward's outcome never touches the notification's.

export const FORWARD_QUEUES = {
  forward: 'notification-forward',
} as const;

export const FORWARD_JOBS = {
  forward: 'notification.forward',
} as const;

export const forwardJobSchema = z.object({
  /** The webhook body exactly as Midtrans sent it, signature_key included (the old handler checks it). */
  rawBody: z.string(),
  /** ISO time of receipt at the API. */
  receivedAt: z.string(),
});
export type ForwardJobData = z.infer<typeof forwardJobSchema>;

/** Exponential from 5 s, 12 attempts: about 2.8 hours of retries in all. */
export const FORWARD_RETRY_DEFAULTS = { attempts: 12, backoffMs: 5_000 } as const;

/** BullMQ options of a forward job: removed once delivered; failed ones kept a week for a look. */
export function forwardJobOptions(
  notificationJobId: string,
  policy: { attempts: number; backoffMs: number },
) {
  return {
    jobId: `fwd-${notificationJobId}`,
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: policy.backoffMs },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  } as const;
}

// ---------------------------------------------------------------------------------------------
// Payment events for the shop (issue 13, docs/events.md): the relay puts the oldest undelivered
// event of each order on this queue, one job per event; the delivery worker POSTs it to
// EVENTS_WEBHOOK_URL, signed (Standard Webhooks). Postgres (payment_events) holds the truth;
// a job is only a pointer to its row, so a lost or repeated job loses or repeats nothing.

export const EVENT_QUEUES = {
  deliveries: 'payment-event-deliveries',
} as const;

export const EVENT_JOBS = {
  deliver: 'payment.event.deliver',
} as const;

export const eventDeliveryJobSchema = z.object({
  /** payment_events.id (bigint as text). */
  eventId: z.string().regex(/^\d{1,19}$/),
  orderCode: z.string().min(1).max(200),
});
export type EventDeliveryJobData = z.infer<typeof eventDeliveryJobSchema>;

/** One job per event while it is on its way; the same id on every retry. */
export function eventDeliveryJobId(eventId: string): string {
  return `evd-${eventId}`;
}

/**
 * Delivery retries: exponential from 6 s, 15 attempts; the retries wait 6 s × (2^14 − 1) ≈ 27
 * hours in all (at least the 24 hours a receiver may be down), the last gap about 13.6 hours.
 */
export const EVENT_DELIVERY_RETRY_DEFAULTS = { attempts: 15, backoffMs: 6_000 } as const;

/**
 * BullMQ options of a delivery job. Completed and exhausted jobs leave Redis: payment_events
 * records both (delivered_at, exhausted_at), and a re-delivery queues the event afresh.
 */
export function eventDeliveryJobOptions(eventId: string, policy: { attempts: number; backoffMs: number }) {
  return {
    jobId: eventDeliveryJobId(eventId),
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: policy.backoffMs },
    removeOnComplete: true,
    removeOnFail: true,
  } as const;
}
