/**
 * API process entry: env → config → app → listen; a signal closes it gracefully. The API never
 * needs Postgres to start or to take a webhook (the admin routes use it when asked): migrations
 * are the worker's or the deploy's `migrate` step, so an API restarted during a Postgres outage
 * still queues notifications.
 */
import { once } from 'node:events';
import { withTimeout } from '@lunas/core';
import {
  canEvictJobs,
  createLogger,
  inspectRedisDurability,
  loadConfigOrExit,
  onShutdownSignal,
} from '@lunas/runtime';
import { buildApp, createApiDeps } from './app.js';
import { loadApiConfig } from './config.js';

const config = loadConfigOrExit('lunas-api', loadApiConfig);
const logger = createLogger({ name: 'lunas-api', level: config.LOG_LEVEL });

const deps = createApiDeps(config, logger);
await checkRedisDurability();
const app = await buildApp(config, deps, logger);
// app.close(): readiness off (preClose), stop accepting, drain in-flight requests, close the
// queue and Redis (onClose).
onShutdownSignal(logger, config.SHUTDOWN_TIMEOUT_MS, () => app.close());
await app.listen({ port: config.PORT, host: config.HOST });

/**
 * A Redis that may evict keys can drop notifications Lunas already acknowledged: refuse to
 * start in production (unless REDIS_ALLOW_EVICTION=true), warn loudly elsewhere.
 */
async function checkRedisDurability(): Promise<void> {
  let durability;
  try {
    // The producer connection has no offline queue: wait (bounded) until it is connected.
    if (deps.redis.status !== 'ready') {
      await withTimeout(once(deps.redis, 'ready'), 5_000, 'Redis not reachable within 5 s');
    }
    durability = await inspectRedisDurability(deps.redis);
  } catch (error) {
    logger.warn({ err: { message: (error as Error).message } }, 'could not inspect Redis settings at start');
    return;
  }
  for (const problem of durability.problems) {
    logger.warn({ redis: durability }, `REDIS DURABILITY: ${problem}`);
  }
  if (canEvictJobs(durability) && config.NODE_ENV === 'production' && !config.REDIS_ALLOW_EVICTION) {
    logger.fatal(
      { maxmemoryPolicy: durability.maxmemoryPolicy },
      'refusing to start: Redis may evict acknowledged notifications (set maxmemory-policy noeviction, or REDIS_ALLOW_EVICTION=true)',
    );
    await deps.close();
    process.exit(78);
  }
}
