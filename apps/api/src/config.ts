/** API configuration: a zod schema over the environment, parsed once by main.ts. */
import {
  envInt,
  envPieces,
  NOTIFICATION_RETRY_DEFAULTS,
  parseEnv,
  resolveRedisTopology,
  resolveServerKey,
} from '@lunas/core';
import { z } from 'zod';

const int = envInt;

export const apiEnvSchema = z
  .object({
    ...envPieces,
    /** Port the API listens on. */
    PORT: int(0, 65_535).default(3000),
    /** Interface the API binds to. */
    HOST: z.string().min(1).default('0.0.0.0'),
    /** Longest wait for Redis to acknowledge a job before answering 503, ms. */
    ENQUEUE_TIMEOUT_MS: int(50, 30_000).default(2_000),
    /** Largest webhook body accepted, bytes (Midtrans bodies are a few KiB). */
    WEBHOOK_BODY_LIMIT: int(1_024, 1_048_576).default(64 * 1024),
    /** Attempts of a notification job (1 + retries). */
    NOTIFICATION_ATTEMPTS: int(1, 100).default(NOTIFICATION_RETRY_DEFAULTS.attempts),
    /** First retry delay of a notification job; each retry doubles it. */
    NOTIFICATION_BACKOFF_MS: int(10, 3_600_000).default(NOTIFICATION_RETRY_DEFAULTS.backoffMs),
    /** Completed notification jobs are kept this long, so a redelivery is refused by its job id. */
    COMPLETED_JOB_TTL_S: int(60, 30 * 24 * 3600).default(NOTIFICATION_RETRY_DEFAULTS.keepCompletedSeconds),
    /** Start even when Redis may evict keys (maxmemory-policy other than noeviction). Not recommended. */
    REDIS_ALLOW_EVICTION: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    /** Bearer token of the /admin routes (≥ 32 chars). Unset: admin routes off (refused in production). */
    ADMIN_TOKEN: z.string().min(32, 'ADMIN_TOKEN must be at least 32 characters').optional(),
    /** How long POST /admin/orders/:orderCode/sync-payment waits for its job before answering 202, ms. */
    MANUAL_SYNC_WAIT_MS: int(100, 60_000).default(10_000),
    // Operations surface (docs/operations.md).
    /** Lifetime of a console login (signed session cookie), s. */
    ADMIN_SESSION_TTL_S: int(60, 7 * 24 * 3600).default(8 * 3600),
    /** Login attempts per client IP per minute, across all API processes (Redis). */
    ADMIN_LOGIN_ATTEMPTS_PER_MINUTE: int(1, 10_000).default(10),
    /** Comment line sent on idle console event streams, ms. */
    ADMIN_EVENTS_HEARTBEAT_MS: int(100, 300_000).default(15_000),
    /** A PENDING payment older than this counts in lunas_stuck_payments and the console's default view, minutes. */
    OPS_STUCK_AFTER_MINUTES: int(0, 525_600).default(30),
    /**
     * Behind a reverse proxy: how many proxy hops to trust for the client IP (X-Forwarded-For),
     * which the login rate limit keys on. 0: use the socket's address.
     */
    TRUST_PROXY_HOPS: int(0, 10).default(0),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.ADMIN_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_TOKEN'],
        message: 'ADMIN_TOKEN is required when NODE_ENV=production',
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
