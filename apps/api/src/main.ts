/** API process entry: env → config → migrations → app → listen; a signal closes it gracefully. */
import { migrateOnStart } from '@lunas/db';
import { createLogger, onShutdownSignal } from '@lunas/runtime';
import { buildApp, createApiDeps } from './app.js';
import { loadApiConfig, type ApiConfig } from './config.js';

const config = loadConfigOrExit();
const logger = createLogger({ name: 'lunas-api', level: config.LOG_LEVEL });

if (config.MIGRATE_ON_START) {
  await migrateOnStart(config.DATABASE_URL, logger);
}
const app = await buildApp(config, createApiDeps(config, logger), logger);
// app.close(): readiness off (preClose), stop accepting, drain in-flight requests, close the
// queue and Redis (onClose).
onShutdownSignal(logger, config.SHUTDOWN_TIMEOUT_MS, () => app.close());
await app.listen({ port: config.PORT, host: config.HOST });

function loadConfigOrExit(): ApiConfig {
  try {
    return loadApiConfig(process.env);
  } catch (error) {
    process.stderr.write(`lunas-api: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(78); // EX_CONFIG: the message names the variable
  }
}
