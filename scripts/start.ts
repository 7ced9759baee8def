/**
 * `npm start`: the whole of Lunas on one machine, for a laptop or a demo.
 *   - creates the database if it is missing (production provisions its own);
 *   - starts the Midtrans simulator when no MIDTRANS_SERVER_KEY is configured, and points the
 *     API's key and the worker's Midtrans base URL at it;
 *   - runs the API and one worker as child processes from the TypeScript sources (tsx), every
 *     one bound to 127.0.0.1 unless HOST / METRICS_HOST / SIM_HOST say otherwise;
 *   - on SIGINT (Ctrl-C) or SIGTERM (`kill <pid>`, a supervisor) passes the signal on to every
 *     child, waits for them to exit (SIGKILL after STOP_TIMEOUT_MS), then exits: no child is
 *     left behind holding its port. `kill <pid>` of `npm start` itself works too: npm does not
 *     pass the signal on, so this process stops when its parent goes away. If one child exits
 *     on its own, the others are stopped too.
 * In production run the compiled entry points (`npm run start:api`, `npm run start:worker`,
 * docker compose) instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { LOCAL_SIMULATOR_SERVER_KEY } from '@lunas/core';
import { ensureDatabase } from '@lunas/db';
import { RUN_SOURCES } from './run-sources.js';

const env: Record<string, string | undefined> = { ...process.env };
env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/lunas';
env.PORT ??= '3000';
env.HOST ??= '127.0.0.1';
env.METRICS_HOST ??= '127.0.0.1';
const useSimulator = !env.MIDTRANS_SERVER_KEY && env.NODE_ENV !== 'production';
// Longer than the children's own graceful shutdown (SHUTDOWN_TIMEOUT_MS, 25 s by default).
const stopTimeoutMs = Number(env.STOP_TIMEOUT_MS ?? 30_000);

// A supervisor or a test may close our output first: a write error must not stop the shutdown.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

const children: { name: string; child: ChildProcess }[] = [];
let stopping = false;

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function run(name: string, entry: string, extraEnv: Record<string, string> = {}): void {
  const child = spawn(process.execPath, [...RUN_SOURCES, entry], {
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[lunas] ${name} exited (${signal ?? code}); stopping everything`);
      void stop('SIGTERM', 1);
    }
  });
  children.push({ name, child });
}

async function stop(signal: NodeJS.Signals, exitCode = 0): Promise<never> {
  stopping = true;
  const alive = children.filter(({ child }) => running(child));
  const exits = alive.map(({ child }) => new Promise<void>((resolve) => child.once('exit', () => resolve())));
  for (const { child } of alive) {
    child.kill(signal);
  }
  const timer = setTimeout(() => {
    for (const { name, child } of alive.filter(({ child: c }) => running(c))) {
      console.error(`[lunas] ${name} did not stop within ${stopTimeoutMs} ms; killing it`);
      child.kill('SIGKILL');
    }
  }, stopTimeoutMs);
  await Promise.all(exits);
  clearTimeout(timer);
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!stopping) {
      console.log(`[lunas] ${signal}: stopping`);
      void stop(signal);
    }
  });
}

// `kill <pid of npm start>` stops npm without passing the signal on, and this process is
// re-parented: take the change of parent as a SIGTERM, so the children do not outlive it.
const parentPid = process.ppid;
if (parentPid > 1) {
  setInterval(() => {
    if (process.ppid !== parentPid && !stopping) {
      console.log('[lunas] the parent process (npm) is gone: stopping');
      void stop('SIGTERM');
    }
  }, 250).unref();
}

try {
  if (await ensureDatabase(env.DATABASE_URL)) {
    console.log(`[lunas] created database ${new URL(env.DATABASE_URL).pathname.slice(1)}`);
  }
} catch (error) {
  console.error(`[lunas] cannot reach Postgres at DATABASE_URL: ${(error as Error).message}`);
  process.exit(1);
}

if (stopping) {
  // A signal arrived while the database was being checked; nothing was started.
  process.exit(0);
}
if (useSimulator) {
  const simPort = env.SIM_PORT ?? '4010';
  env.MIDTRANS_SERVER_KEY = LOCAL_SIMULATOR_SERVER_KEY;
  env.MIDTRANS_API_BASE_URL ??= `http://127.0.0.1:${simPort}`;
  env.MIDTRANS_SNAP_BASE_URL ??= `http://127.0.0.1:${simPort}/snap/v1`;
  console.log(
    `[lunas] no MIDTRANS_SERVER_KEY: starting the Midtrans simulator on http://127.0.0.1:${simPort}`,
  );
  run('simulator', 'packages/simulator/src/cli.ts', {
    SIM_PORT: simPort,
    SIM_HOST: env.SIM_HOST ?? '127.0.0.1',
    SIM_NOTIFICATION_URL: env.SIM_NOTIFICATION_URL ?? `http://127.0.0.1:${env.PORT}/webhooks/midtrans`,
  });
}
run('api', 'apps/api/src/main.ts');
run('worker', 'apps/worker/src/main.ts');
console.log(`[lunas] running as pid ${process.pid}: stop with Ctrl-C or \`kill ${process.pid}\``);
