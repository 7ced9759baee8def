/**
 * The server side of `npm run bench:ingest`: the real API (buildApp) plus one trivial route on
 * the same instance, so both are measured on the same process, port and Redis.
 */
import { buildApp, createApiDeps, loadApiConfig } from '@lunas/api';
import { createLogger } from '@lunas/runtime';

const config = loadApiConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false' });
const logger = createLogger({ name: 'bench-api', level: 'warn' });
const app = await buildApp(config, createApiDeps(config, logger), logger);
// The baseline: parse a small JSON body and answer, nothing else.
app.post('/bench/trivial', (_request, reply) => reply.send({ ok: true }));
const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`LISTENING ${url}\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
