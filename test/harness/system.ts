/**
 * The whole Lunas pipeline in one test process: a fresh database, a unique queue prefix, the
 * API listening on a real port, a worker consuming, and the Midtrans simulator whose Get Status
 * the worker confirms every notification with (MIDTRANS_API_BASE_URL). By default the simulator
 * sends no notifications of its own (the test posts them, see midtrans.ts); `simNotifies` points
 * its notification URL at the API. Tests that need real processes (SIGKILL) spawn them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildApp, createApiDeps, loadApiConfig } from '@lunas/api';
import { QUEUES } from '@lunas/core';
import { createSimulator, type Simulator, type SimulatorOptions } from '@lunas/simulator';
import { loadWorkerConfig, startWorker, type WorkerHandle } from '@lunas/worker';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { createTestDatabase, type TestDatabase, type TestDatabaseOptions } from './db.js';
import { captureLogger, type CapturedLogger } from './logger.js';
import { TEST_SERVER_KEY } from './notifications.js';
import { deletePrefix, REDIS_URL, testPrefix } from './redis.js';
import { RUN_SOURCES } from '../../scripts/run-sources.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface TestSystem {
  readonly db: TestDatabase;
  readonly prefix: string;
  readonly api: FastifyInstance;
  readonly apiUrl: string;
  readonly webhookUrl: string;
  readonly queue: Queue;
  readonly logs: CapturedLogger;
  /** The Midtrans simulator the workers ask (Get Status). */
  readonly sim: Simulator;
  readonly simUrl: string;
  worker: WorkerHandle | null;
  /** Environment for a worker or API child process of this system. */
  env(extra?: Record<string, string>): Record<string, string>;
  startWorker(extra?: Record<string, string>): Promise<WorkerHandle>;
  close(): Promise<void>;
}

export interface StartSystemOptions {
  label?: string;
  withWorker?: boolean;
  env?: Record<string, string>;
  /** The simulator sends its notifications to this system's webhook (default: none). */
  simNotifies?: boolean;
  /** Called with the simulator before it listens (hooks added then reach every route). */
  onSim?: (sim: Simulator) => void;
  /** More simulator options (compat switches, say). */
  simOptions?: Partial<SimulatorOptions>;
  /** A shop's own tables, made before the migrations (DATABASE_SCHEMA / SHOP_ORDERS come from env). */
  seedDb?: TestDatabaseOptions['seed'];
}

export async function startSystem(options: StartSystemOptions = {}): Promise<TestSystem> {
  const label = options.label ?? 'sys';
  const db = await createTestDatabase(label, {
    ...(options.env?.DATABASE_SCHEMA ? { schema: options.env.DATABASE_SCHEMA } : {}),
    ...(options.env?.SHOP_ORDERS === 'adapter' ? { shopOrders: 'adapter' as const } : {}),
    ...(options.seedDb ? { seed: options.seedDb } : {}),
  });
  const prefix = testPrefix(label);
  const logs = captureLogger(label, 'debug');
  const baseEnv: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    MIDTRANS_SERVER_KEY: TEST_SERVER_KEY,
    MIGRATE_ON_START: 'false',
    LOG_LEVEL: 'debug',
    JOB_LOCK_MS: '2000',
    // Several workers of one test run side by side; their health ports must not collide.
    METRICS_PORT: '0',
    STALLED_INTERVAL_MS: '2000',
    MIDTRANS_TIMEOUT_MS: '2000',
    ...options.env,
  };
  const apiConfig = loadApiConfig({ ...baseEnv, PORT: '0', HOST: '127.0.0.1' });
  const api = await buildApp(apiConfig, createApiDeps(apiConfig, logs.logger), logs.logger);
  const apiUrl = await api.listen({ port: 0, host: '127.0.0.1' });
  const webhookUrl = `${apiUrl}/webhooks/midtrans`;
  // The API never asks Midtrans; the simulator starts once the webhook's URL is known.
  const sim = await createSimulator({
    serverKey: TEST_SERVER_KEY,
    ...(options.simNotifies ? { notificationUrl: webhookUrl } : {}),
    timeScale: 0.001,
    logger: false,
    ...options.simOptions,
  });
  options.onSim?.(sim);
  const simUrl = await sim.listen({ port: 0, host: '127.0.0.1' });
  baseEnv.MIDTRANS_API_BASE_URL = options.env?.MIDTRANS_API_BASE_URL ?? simUrl;
  const queue = new Queue(QUEUES.notifications, { connection: { url: REDIS_URL }, prefix });

  const system: TestSystem = {
    db,
    prefix,
    api,
    apiUrl,
    webhookUrl,
    queue,
    logs,
    sim,
    simUrl,
    worker: null,
    env: (extra = {}) => ({ ...baseEnv, ...extra }),
    async startWorker(extra = {}) {
      const handle = await startWorker(loadWorkerConfig({ ...baseEnv, ...extra }), logs.logger);
      system.worker = handle;
      return handle;
    },
    async close() {
      await system.worker?.close();
      await api.close();
      await sim.close();
      await queue.close();
      await deletePrefix(prefix);
      await db.drop();
    },
  };
  if (options.withWorker ?? true) {
    await system.startWorker();
  }
  return system;
}

/** Spawns `npm run start:worker`-equivalent as a real child process with the given env. */
export function spawnWorkerProcess(env: Record<string, string>): ChildProcess & { output: string[] } {
  const child = spawn(process.execPath, [...RUN_SOURCES, 'apps/worker/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { output: string[] };
  child.output = [];
  child.stdout?.on('data', (chunk: Buffer) => child.output.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => child.output.push(chunk.toString('utf8')));
  return child;
}

/** Waits for a child to exit (bounded) and returns its exit code or signal. */
export function exitOf(
  child: ChildProcess,
  timeoutMs = 15_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child did not exit in time')), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}
