/**
 * The server side of `npm run bench:ingest`: the real API (buildApp) plus one trivial route on
 * the same instance, so both are measured on the same process, port and Redis.
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
// The baseline: parse a small JSON body and answer, nothing else.
app.post('/bench/trivial', (_request, reply) => reply.send({ ok: true }));
// The variant without batching (a batch of one job per request, like a plain queue.add), on the
// same instance, to measure what decision 0003 buys.
await app.register(webhookMidtransRoutes, {
  prefix: '/bench/unbatched',
  bodyLimit: config.WEBHOOK_BODY_LIMIT,
  ingest: {
    serverKey: config.MIDTRANS_SERVER_KEY,
    retryPolicy: { attempts: 13, backoffMs: 1000, keepCompletedSeconds: 3600 },
    enqueue: createEnqueue(deps.notificationQueue, config.ENQUEUE_TIMEOUT_MS, 1, deps.redis),
  },
});
const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`LISTENING ${url}\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
