/** Worker process entry: env → config → migrations → consumers → health endpoints → wait for a signal. */
import { migrateOnStart } from '@lunas/db';
import {
  createLogger,
  createWorkerRedis,
  loadConfigOrExit,
  onShutdownSignal,
  redisTargetOf,
} from '@lunas/runtime';
import { loadWorkerConfig } from './config.js';
import { startHealthServer } from './health-server.js';
import { startWorker } from './worker.js';

const config = loadConfigOrExit('lunas-worker', loadWorkerConfig);
const logger = createLogger({ name: 'lunas-worker', level: config.LOG_LEVEL });

if (config.MIGRATE_ON_START) {
  await migrateOnStart(config.DATABASE_URL, logger);
}
const handle = await startWorker(config, logger);
let closing = false;
const healthRedis = config.METRICS_PORT > 0 ? createWorkerRedis(redisTargetOf(config), logger) : null;
const health = healthRedis
  ? await startHealthServer(config.METRICS_PORT, config.METRICS_HOST, {
      isClosing: () => closing,
      pingRedis: () => healthRedis.ping(),
      pingPostgres: () => handle.sql`SELECT 1`,
      metrics: () => handle.ops.metrics.render(),
    })
  : null;
onShutdownSignal(logger, config.SHUTDOWN_TIMEOUT_MS, async () => {
  closing = true;
  // Active jobs finish (bounded by the deadline); the health server goes last.
  await handle.close();
  health?.close();
  healthRedis?.disconnect();
});
