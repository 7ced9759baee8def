/** API configuration: a zod schema over the environment, parsed once by main.ts. */
import {
  envInt,
  envPieces,
  FORWARD_RETRY_DEFAULTS,
  NOTIFICATION_RETRY_DEFAULTS,
  parseEnv,
  resolveRedisTopology,
  resolveServerKey,
} from '@lunas/core';
import { z } from 'zod';

const int = envInt;
// The API applies no migrations (see main.ts): MIGRATE_ON_START is the worker's.
const { MIGRATE_ON_START: _workerOnly, ...pieces } = envPieces;

const TOKEN_MIN_DISTINCT = 8;
const TOKEN_MIN_BITS = 100;

/**
 * A cheap guard against hand-typed tokens ("a" × 32, "abcd" × 8): at least 8 distinct
 * characters and length × Shannon entropy per character ≥ 100 bits. Random tokens (32 hex,
 * 24 base64 characters or more) pass; the value itself never reaches the error message.
 */
export function isStrongToken(token: string): boolean {
  const counts = new Map<string, number>();
  for (const char of token) {
    counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  const length = [...token].length;
  let bitsPerChar = 0;
  for (const count of counts.values()) {
    const p = count / length;
    bitsPerChar -= p * Math.log2(p);
  }
  return counts.size >= TOKEN_MIN_DISTINCT && bitsPerChar * length >= TOKEN_MIN_BITS;
}

/** A bearer token variable: ≥ 32 characters and not predictable (isStrongToken). */
function strongToken(name: string) {
  return z
    .string()
    .min(32, `${name} must be at least 32 characters`)
    .refine(
      (token) => isStrongToken(token),
      `${name} is too predictable: use at least ${TOKEN_MIN_DISTINCT} different characters and about ${TOKEN_MIN_BITS} bits (e.g. openssl rand -hex 24)`,
    );
}

/** A token setting that may be unset; an empty value (`NAME=` in compose or .env) counts as unset. */
function optionalToken(name: string) {
  return z.preprocess((value) => (value === '' ? undefined : value), strongToken(name).optional());
}

export const apiEnvSchema = z
  .object({
    ...pieces,
    /** Port the API listens on. */
    PORT: int(0, 65_535).default(3000),
    /** Interface the API binds to: loopback unless told (the Docker image sets 0.0.0.0). */
    HOST: z.string().min(1).default('127.0.0.1'),
    /** Longest wait for Redis to acknowledge a job before answering 503, ms. */
    ENQUEUE_TIMEOUT_MS: int(50, 30_000).default(2_000),
    /** Largest webhook body accepted, bytes (Midtrans bodies are a few KiB). */
    WEBHOOK_BODY_LIMIT: int(1_024, 1_048_576).default(64 * 1024),
    /** Attempts of a notification job (1 + retries). */
    NOTIFICATION_ATTEMPTS: int(1, 100).default(NOTIFICATION_RETRY_DEFAULTS.attempts),
    /** First retry delay of a notification job; each retry doubles it. */
    NOTIFICATION_BACKOFF_MS: int(10, 3_600_000).default(NOTIFICATION_RETRY_DEFAULTS.backoffMs),
    /**
     * Completed notification jobs are kept at most this long (and never more than the newest
     * NOTIFICATION_RETRY_DEFAULTS.keepCompletedCount, so their memory is bounded at any rate): a
     * kept job refuses a redelivery by its id and is what replay finds after a database restore.
     * Up to 7 days; a redelivery after it is harmless (docs/decisions/0016-notification-retention.md).
     */
    COMPLETED_JOB_TTL_S: int(60, 7 * 24 * 3600).default(NOTIFICATION_RETRY_DEFAULTS.keepCompletedSeconds),
    /** Start even when Redis may evict keys (maxmemory-policy other than noeviction). Not recommended. */
    REDIS_ALLOW_EVICTION: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    /** Bearer token of the /admin routes (≥ 32 chars). Unset: admin routes off (refused in production). */
    ADMIN_TOKEN: optionalToken('ADMIN_TOKEN'),
    /**
     * Bearer token of the shop's API (POST /payments, GET /events), ≥ 32 characters and strong
     * like ADMIN_TOKEN, and a different value. Unset: those routes are off.
     */
    SHOP_API_TOKEN: optionalToken('SHOP_API_TOKEN'),
    /** Midtrans Core API base URL (charges, Get Status); overrides MIDTRANS_IS_PRODUCTION. */
    MIDTRANS_API_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Midtrans Snap API base URL, e.g. https://app.sandbox.midtrans.com/snap/v1 (the simulator: <sim>/snap/v1). */
    MIDTRANS_SNAP_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Production Midtrans endpoints when no base URL is given. */
    MIDTRANS_IS_PRODUCTION: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    /** Longest wait for Midtrans to answer a charge or Get Status from the API, ms. */
    MIDTRANS_TIMEOUT_MS: int(100, 60_000).default(10_000),
    /** Get Status calls per second, fleet-wide: set it as the workers' (they share one limit in Redis). */
    MIDTRANS_RATE_LIMIT: int(1, 1_000_000).default(20),
    /** As the workers': failures that open the fleet-wide Midtrans circuit, and its cooldown, ms. */
    MIDTRANS_CIRCUIT_THRESHOLD: int(1, 1_000).default(5),
    MIDTRANS_CIRCUIT_COOLDOWN_MS: int(100, 3_600_000).default(30_000),
    /** Longest a replay waits for its jobs before answering with their ids, ms. */
    REPLAY_WAIT_MS: int(0, 120_000).default(15_000),
    /** How long POST /admin/orders/:orderCode/sync-payment waits for its job before answering 202, ms. */
    MANUAL_SYNC_WAIT_MS: int(100, 60_000).default(10_000),
    // Operations surface (docs/operations.md).
    /** Lifetime of a console login (signed session cookie), s. */
    ADMIN_SESSION_TTL_S: int(60, 7 * 24 * 3600).default(8 * 3600),
    /**
     * Failed admin sign-ins (login form or Bearer token) per client per minute, across all API
     * processes (Redis); a client over it is refused even with the right token until the minute ends.
     */
    ADMIN_LOGIN_ATTEMPTS_PER_MINUTE: int(1, 10_000).default(10),
    /** Failed admin sign-ins per minute from all clients together; past it, only the right token passes. */
    ADMIN_AUTH_FAILURES_GLOBAL_PER_MINUTE: int(1, 1_000_000).default(200),
    /** Comment line sent on idle console event streams, ms. */
    ADMIN_EVENTS_HEARTBEAT_MS: int(100, 300_000).default(15_000),
    /** A PENDING payment older than this counts in lunas_stuck_payments and the console's default view, minutes. */
    OPS_STUCK_AFTER_MINUTES: int(0, 525_600).default(30),
    /**
     * Behind a reverse proxy: how many proxy hops to trust for the client IP (X-Forwarded-For),
     * which the login rate limit keys on. 0: use the socket's address.
     */
    TRUST_PROXY_HOPS: int(0, 10).default(0),
    // Cut-over (docs/adopting.md).
    /** The shop's old notification handler: each accepted notification is passed on to it verbatim. */
    FORWARD_NOTIFICATION_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Attempts of one forward (1 + retries). */
    FORWARD_ATTEMPTS: int(1, 100).default(FORWARD_RETRY_DEFAULTS.attempts),
    /** First retry delay of a forward; each retry doubles it, ms. */
    FORWARD_BACKOFF_MS: int(10, 3_600_000).default(FORWARD_RETRY_DEFAULTS.backoffMs),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.ADMIN_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_TOKEN'],
        message: 'ADMIN_TOKEN is required when NODE_ENV=production',
      });
    }
    if (env.SHOP_API_TOKEN !== undefined && env.SHOP_API_TOKEN === env.ADMIN_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['SHOP_API_TOKEN'],
        message: 'SHOP_API_TOKEN must differ from ADMIN_TOKEN',
      });
    }
  })
  .transform((env) => ({
    ...resolveRedisTopology(env),
    MIDTRANS_SERVER_KEY: resolveServerKey(env.NODE_ENV, env.MIDTRANS_SERVER_KEY),
  }));

export type ApiConfig = z.infer<typeof apiEnvSchema>;

export function loadApiConfig(env: Record<string, string | undefined>): ApiConfig {
  return parseEnv(apiEnvSchema, env);
}
