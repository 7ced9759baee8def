/** Worker configuration: a zod schema over the environment, parsed once by main.ts. */
import {
  envBool,
  envInt,
  envPieces,
  EVENT_DELIVERY_RETRY_DEFAULTS,
  parseEnv,
  resolveRedisTopology,
  resolveServerKey,
} from '@lunas/core';
import { z } from 'zod';

const int = envInt;
const boolish = envBool;
/** "60000,300000,900000,3600000" → [60000, …]: the delay after the 1st, 2nd, … check; the last repeats. */
const cadence = z
  .string()
  .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, 'comma-separated milliseconds')
  .transform((v) => v.split(',').map((part) => Number(part.trim())))
  .refine((steps) => steps.every((ms) => ms >= 100 && ms <= 7 * 24 * 3_600_000), 'each step 100 ms … 7 days');

export const workerEnvSchema = z
  .object({
    ...envPieces,
    /** The worker's own port: /metrics (Prometheus), /healthz and /readyz; 0 turns it off. */
    METRICS_PORT: int(0, 65_535).default(9464),
    /** Interface the worker's metrics and health endpoints bind to. */
    METRICS_HOST: z.string().min(1).default('0.0.0.0'),
    /** Jobs one worker process runs at once. */
    WORKER_CONCURRENCY: int(1, 256).default(8),
    /**
     * Confirmed notifications applied in one Postgres transaction at most (1: each in its own).
     * The jobs in flight share a transaction, each with its own outcome (docs/decisions/0018-batched-apply.md).
     */
    NOTIFICATION_BATCH_MAX: int(1, 1_000).default(64),
    /** How long a notification ready to apply waits for others to share its transaction, ms. */
    NOTIFICATION_BATCH_WAIT_MS: int(0, 1_000).default(2),
    /**
     * Postgres connections of one worker process at most. Default: WORKER_CONCURRENCY up to 16
     * with batching on (all of it with NOTIFICATION_BATCH_MAX=1), + 2, + the reconcile jobs.
     */
    DATABASE_POOL_MAX: int(2, 1_000).optional(),
    /** How long a worker's lock on an active job lasts without renewal (BullMQ lockDuration). */
    JOB_LOCK_MS: int(1_000, 600_000).default(5_000),
    /** How often workers look for jobs whose owner died (BullMQ stalledInterval). */
    STALLED_INTERVAL_MS: int(1_000, 600_000).default(5_000),
    /** Times a job may stall (its worker killed) before it is failed. */
    MAX_STALLED_COUNT: int(0, 100).default(5),

    // Reconciliation (docs/reconciliation.md).
    /** Midtrans Core API base URL; overrides MIDTRANS_IS_PRODUCTION (point it at the simulator). */
    MIDTRANS_API_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Use https://api.midtrans.com instead of the sandbox when no base URL is given. */
    MIDTRANS_IS_PRODUCTION: boolish.default(false),
    /** Timeout of one Get Status call, ms. */
    MIDTRANS_TIMEOUT_MS: int(100, 60_000).default(10_000),
    /** Get Status calls per second across every worker process (one Redis-held limit). */
    MIDTRANS_RATE_LIMIT: int(1, 1_000_000).default(20),
    /** Consecutive retryable Midtrans failures (429/5xx/timeout) that open the circuit. */
    MIDTRANS_CIRCUIT_THRESHOLD: int(1, 1_000).default(5),
    /** How long an open circuit stops all Midtrans calls before one probe, ms. */
    MIDTRANS_CIRCUIT_COOLDOWN_MS: int(100, 3_600_000).default(30_000),
    /** Run the scheduled sweep and reconcile jobs in this process. */
    RECONCILE_ENABLED: boolish.default(true),
    /** Sweep interval, ms. */
    RECONCILE_EVERY_MS: int(200, 24 * 3_600_000).default(300_000),
    /** A payment is first checked this long after it was created (its notification comes first), ms. */
    RECONCILE_MIN_AGE_MS: int(0, 30 * 24 * 3_600_000).default(300_000),
    /**
     * After a payment is paid, keep checking it this long (on the cadence) for a reversal or a
     * refund whose notification was lost, ms; 0 turns the watch off. Reversals usually come
     * within 1–5 minutes.
     */
    RECONCILE_PAID_WATCH_MS: int(0, 30 * 24 * 3_600_000).default(3_600_000),
    /** Delay after the 1st, 2nd, … check of a payment, ms; the last step repeats. */
    RECONCILE_CADENCE_MS: cadence.default([60_000, 300_000, 900_000, 3_600_000]),
    /** Rows the sweep reads per page (keyset pagination; bounds memory). */
    RECONCILE_PAGE_SIZE: int(1, 10_000).default(500),
    /** Most checks one sweep enqueues; default: what the rate limit can serve before the next sweep. */
    RECONCILE_MAX_PER_SWEEP: int(1, 100_000_000).optional(),
    /** Reconcile jobs one worker process runs at once. */
    RECONCILE_CONCURRENCY: int(1, 256).default(4),
    /** Attempts of one check on 5xx/timeouts before it waits for its next due time. */
    RECONCILE_ATTEMPTS: int(1, 50).default(4),
    /** First retry delay of a check; doubles each retry, ms. */
    RECONCILE_BACKOFF_MS: int(10, 600_000).default(2_000),
    /** A payment Midtrans still does not know (404) this long after creation is flagged, ms. */
    RECONCILE_UNKNOWN_AFTER_MS: int(0, 365 * 24 * 3_600_000).default(24 * 3_600_000),
    /** Dead-lettered notifications the sweep looks at per run (re-driven once their cause is gone). */
    RECONCILE_REDRIVE_LIMIT: int(0, 100_000).default(500),
    /** Times one dead-lettered notification may be re-driven before it stays for a person. */
    RECONCILE_REDRIVE_MAX_PER_JOB: int(0, 1_000).default(5),
    /**
     * Attempts during which Get Status answering 404 for a notification's transaction is
     * retried before the notification is recorded as unknown to Midtrans.
     */
    NOTIFICATION_NOT_FOUND_ATTEMPTS: int(1, 100).default(3),

    // Operations (docs/operations.md). Metrics are served at /metrics on METRICS_PORT.
    /** Slack-compatible incoming webhook for alerts; unset: alerts are only logged. A secret. */
    ALERT_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** One alert per cause and key (order, job) within this window, s. */
    ALERT_DEDUPE_TTL_S: int(1, 30 * 24 * 3600).default(24 * 3600),
    /** A PENDING payment older than this raises a stuck_payment alert, minutes. */
    ALERT_STUCK_AFTER_MINUTES: int(0, 525_600).default(30),
    /** How often each worker looks for stuck payments, ms; 0 turns the check off. */
    ALERT_STUCK_CHECK_MS: int(0, 24 * 3_600_000).default(60_000),
    /** Timeout of one alert delivery, ms. */
    ALERT_TIMEOUT_MS: int(100, 60_000).default(5_000),

    // Payment events for the shop (docs/events.md).
    /** Where payment events are POSTed (Standard Webhooks); unset: events are only pulled (GET /events). */
    EVENTS_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** The signing secret, whsec_<base64>; required with EVENTS_WEBHOOK_URL. A secret. */
    EVENTS_WEBHOOK_SECRET: z
      .string()
      .regex(
        /^whsec_[A-Za-z0-9+/]{24,}={0,2}$/,
        'EVENTS_WEBHOOK_SECRET must be whsec_ followed by base64 (≥ 18 bytes)',
      )
      .optional(),
    /** Timeout of one event delivery, ms; a timeout is retried. */
    EVENTS_WEBHOOK_TIMEOUT_MS: int(100, 60_000).default(10_000),
    /** Attempts of one event delivery; with the backoff, the retries span ≈ 27 hours by default. */
    EVENTS_DELIVERY_ATTEMPTS: int(1, 100).default(EVENT_DELIVERY_RETRY_DEFAULTS.attempts),
    /** First retry delay of an event delivery; doubles each retry, ms. */
    EVENTS_DELIVERY_BACKOFF_MS: int(10, 3_600_000).default(EVENT_DELIVERY_RETRY_DEFAULTS.backoffMs),
    /** Deliveries one worker process runs at once (events of different orders go in parallel). */
    EVENTS_DELIVERY_CONCURRENCY: int(1, 256).default(8),
    /** How often the relay looks for undelivered events to queue, ms. */
    EVENTS_RELAY_INTERVAL_MS: int(20, 60_000).default(500),
    /** An event queued this long ago and still undelivered is queued again (its job may be lost with Redis), ms. */
    EVENTS_RELAY_AGAIN_AFTER_MS: int(1_000, 24 * 3_600_000).default(600_000),

    // Cut-over (docs/adopting.md).
    /** The shop's old notification handler; set: this process delivers the API's forward jobs. */
    FORWARD_NOTIFICATION_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Timeout of one forward, ms. */
    FORWARD_TIMEOUT_MS: int(100, 60_000).default(10_000),
    /** Forwards one worker process delivers at once. */
    FORWARD_CONCURRENCY: int(1, 64).default(4),
  })
  .superRefine((env, ctx) => {
    if (env.EVENTS_WEBHOOK_URL && !env.EVENTS_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['EVENTS_WEBHOOK_SECRET'],
        message: 'EVENTS_WEBHOOK_SECRET is required with EVENTS_WEBHOOK_URL',
      });
    }
  })
  .transform((env) => ({
    ...resolveRedisTopology(env),
    MIDTRANS_SERVER_KEY: resolveServerKey(env.NODE_ENV, env.MIDTRANS_SERVER_KEY),
    RECONCILE_MAX_PER_SWEEP:
      env.RECONCILE_MAX_PER_SWEEP ??
      Math.max(1, Math.floor((env.MIDTRANS_RATE_LIMIT * env.RECONCILE_EVERY_MS) / 1000)),
  }));

export type WorkerConfig = z.infer<typeof workerEnvSchema>;

export function loadWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  return parseEnv(workerEnvSchema, env);
}
