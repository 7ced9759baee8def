/** Worker process entry: env → config → migrations → consumers → health endpoints → wait for a signal. */
import { migrateOnStart, toDatabaseStartError } from '@lunas/db';
import { createLogger, loadConfigOrExit, onShutdownSignal } from '@lunas/runtime';
import { loadWorkerConfig } from './config.js';
import { startHealthServer } from './health-server.js';
import { startWorker } from './worker.js';

const config = loadConfigOrExit('lunas-worker', loadWorkerConfig);
const logger = createLogger({ name: 'lunas-worker', level: config.LOG_LEVEL });

if (config.MIGRATE_ON_START) {
  try {
    await migrateOnStart(config.DATABASE_URL, logger, {
      schema: config.DATABASE_SCHEMA,
      shopOrders: config.SHOP_ORDERS,
    });
  } catch (error) {
    // One line an operator can act on (it names DATABASE_URL, never its value), not a stack.
    const failure = toDatabaseStartError(error);
    logger.fatal({ code: failure.code }, `cannot apply migrations at start: ${failure.message}`);
    process.exit(failure.code === '3D000' ? 78 : 1);
  }
}
const handle = await startWorker(config, logger);
let closing = false;
const health =
  config.METRICS_PORT > 0
    ? await startHealthServer(config.METRICS_PORT, config.METRICS_HOST, {
        isClosing: () => closing,
        pingRedis: () => handle.deps.redis.ping(),
        pingPostgres: () => handle.sql`SELECT 1`,
        metrics: () => handle.ops.metrics.render(),
      })
    : null;
onShutdownSignal(logger, config.SHUTDOWN_TIMEOUT_MS, async () => {
  closing = true;
  // Active jobs finish (bounded by the deadline); the health server goes last.
  await handle.close();
  health?.close();
});
