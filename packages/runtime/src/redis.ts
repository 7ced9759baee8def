/**
 * Redis connections, made the two ways BullMQ needs them:
 * - a producer connection that fails fast (no offline queue, one retry per command), so the API
 *   answers 503 instead of holding Midtrans's request while Redis is away;
 * - a worker connection that waits (maxRetriesPerRequest null), so a consumer rides out an
 *   outage and resumes by itself.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type { Redis } from 'ioredis';

export function createProducerRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // Commands issued in the same tick share one round trip: the webhook path's main lever.
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  attachLogging(redis, logger, 'producer');
  return redis;
}

export function createWorkerRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  attachLogging(redis, logger, 'worker');
  return redis;
}

function attachLogging(redis: Redis, logger: Logger, role: string): void {
  let lastLogged = 0;
  redis.on('error', (error: Error) => {
    // An outage emits an error per reconnect attempt; one line every 5 s is enough.
    const now = Date.now();
    if (now - lastLogged > 5_000) {
      lastLogged = now;
      logger.warn(
        { role, err: { message: error.message, code: (error as { code?: string }).code } },
        'redis connection error',
      );
    }
  });
}
