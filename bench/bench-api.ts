/**
 * The server side the ingest benchmarks share: the real API (buildApp) on 127.0.0.1, plus the
 * routes a bench adds to the same instance, so every variant is measured on one process, port
 * and Redis. Prints `LISTENING <url>` (startBenchServer in ingest-kit.ts reads it).
 */
import { buildApp, createApiDeps, loadApiConfig, type ApiConfig } from '@lunas/api';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createLogger } from '@lunas/runtime';
import type { FastifyInstance } from 'fastify';

/**
 * With BENCH_PROFILE=1: POST /bench/profile/start and /bench/profile/stop?file=… run V8's CPU
 * profiler in this process over exactly one phase (no start-up or compile time in it); stop
 * writes the .cpuprofile and answers with the process's CPU time (user + system) meanwhile.
 */
function addProfileRoutes(app: FastifyInstance): void {
  const session = new Session();
  session.connect();
  let cpuAtStart: NodeJS.CpuUsage | null = null;
  app.post('/bench/profile/start', async () => {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 250 });
    await session.post('Profiler.start');
    cpuAtStart = process.cpuUsage();
    return { started: true };
  });
  app.post<{ Querystring: { file: string } }>('/bench/profile/stop', async (request) => {
    const cpu = process.cpuUsage(cpuAtStart ?? undefined);
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(request.query.file, JSON.stringify(profile));
    return { cpuUs: cpu.user + cpu.system };
  });
}

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
  if (process.env.BENCH_PROFILE === '1') {
    addProfileRoutes(app);
  }
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`LISTENING ${url}\n`);
  process.once('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
}

/** The retry policy of the benches' extra webhook routes (what they measure is the enqueue). */
export const BENCH_RETRY_POLICY = { attempts: 13, backoffMs: 1000, keepCompletedSeconds: 3600 } as const;
