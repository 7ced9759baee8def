/**
 * The server side of `npm run bench:ingest-replicas`: the real API (buildApp, with the
 * environment's ENQUEUE_MIN_REPLICAS, normally 0) plus the same webhook route whose enqueue
 * waits for one replica (ENQUEUE_MIN_REPLICAS=1), on the same process, port and Redis.
 */
import { buildApp, createApiDeps, createEnqueue, loadApiConfig, webhookMidtransRoutes } from '@lunas/api';
import { createLogger } from '@lunas/runtime';

const config = loadApiConfig({
  ...process.env,
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  MIGRATE_ON_START: 'false',
});
const logger = createLogger({ name: 'bench-api', level: 'warn' });
const deps = createApiDeps(config, logger);
const app = await buildApp(config, deps, logger);
await app.register(webhookMidtransRoutes, {
  prefix: '/bench/replicas',
  bodyLimit: config.WEBHOOK_BODY_LIMIT,
  ingest: {
    serverKey: config.MIDTRANS_SERVER_KEY,
    retryPolicy: { attempts: 13, backoffMs: 1000, keepCompletedSeconds: 3600 },
    enqueue: createEnqueue(deps.notificationQueue, config.ENQUEUE_TIMEOUT_MS, 200, deps.redis, {
      minReplicas: 1,
      redis: deps.redis,
    }),
  },
});
const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`LISTENING ${url}\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
