/** Worker process entry: env → config → migrations → consumers → wait for a signal. */
import { migrateOnStart } from '@lunas/db';
import { createLogger, onShutdownSignal } from '@lunas/runtime';
import { loadWorkerConfig, type WorkerConfig } from './config.js';
import { startWorker } from './worker.js';

const config = loadConfigOrExit();
const logger = createLogger({ name: 'lunas-worker', level: config.LOG_LEVEL });

if (config.MIGRATE_ON_START) {
  await migrateOnStart(config.DATABASE_URL, logger);
}
const handle = await startWorker(config, logger);
onShutdownSignal(logger, config.SHUTDOWN_TIMEOUT_MS, () => handle.close());

function loadConfigOrExit(): WorkerConfig {
  try {
    return loadWorkerConfig(process.env);
  } catch (error) {
    process.stderr.write(`lunas-worker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(78); // EX_CONFIG: the message names the variable
  }
}
