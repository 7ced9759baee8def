/**
 * The server side the ingest benchmarks share: the real API (buildApp) on 127.0.0.1, plus the
 * routes a bench adds to the same instance, so every variant is measured on one process, port
 * and Redis. Prints `LISTENING <url>` (startBenchServer in ingest-kit.ts reads it).
 */
import { buildApp, createApiDeps, loadApiConfig, type ApiConfig } from '@lunas/api';
import { createLogger } from '@lunas/runtime';
import type { FastifyInstance } from 'fastify';

export async function serveBenchApi(
  addRoutes: (
    app: FastifyInstance,
    deps: ReturnType<typeof createApiDeps>,
    config: ApiConfig,
  ) => Promise<void>,
): Promise<void> {
  const config = loadApiConfig({
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  const logger = createLogger({ name: 'bench-api', level: 'warn' });
  const deps = createApiDeps(config, logger);
  const app = await buildApp(config, deps, logger);
  await addRoutes(app, deps, config);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`LISTENING ${url}\n`);
  process.once('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
}

/** The retry policy of the benches' extra webhook routes (what they measure is the enqueue). */
export const BENCH_RETRY_POLICY = { attempts: 13, backoffMs: 1000, keepCompletedSeconds: 3600 } as const;
