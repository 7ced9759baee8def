/**
 * `npm start`: the whole of Lunas on one machine, for a laptop or a demo.
 *   - creates the database if it is missing (production provisions its own);
 *   - starts the Midtrans simulator when no MIDTRANS_SERVER_KEY is configured, and points the
 *     API's key and the worker's Midtrans base URL at it;
 *   - runs the API and one worker as child processes, and stops them all on Ctrl-C.
 * In production run `npm run start:api` and `npm run start:worker` (or docker compose) instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { LOCAL_SIMULATOR_SERVER_KEY } from '@lunas/core';
import { ensureDatabase } from '@lunas/db';

const env: Record<string, string | undefined> = { ...process.env };
env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/lunas';
env.PORT ??= '3000';
const useSimulator = !env.MIDTRANS_SERVER_KEY && env.NODE_ENV !== 'production';

const children: ChildProcess[] = [];
let stopping = false;

function run(name: string, entry: string, extraEnv: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[lunas] ${name} exited (${signal ?? code}); stopping everything`);
      stop('SIGTERM', 1);
    }
  });
  children.push(child);
  return child;
}

function stop(signal: NodeJS.Signals, exitCode = 0): void {
  if (stopping) {
    return;
  }
  stopping = true;
  for (const child of children) {
    child.kill(signal);
  }
  let remaining = children.filter((c) => c.exitCode === null && c.signalCode === null).length;
  if (remaining === 0) {
    process.exit(exitCode);
  }
  for (const child of children) {
    child.once('exit', () => {
      remaining -= 1;
      if (remaining <= 0) {
        process.exit(exitCode);
      }
    });
  }
}

process.once('SIGINT', () => stop('SIGINT'));
process.once('SIGTERM', () => stop('SIGTERM'));

try {
  if (await ensureDatabase(env.DATABASE_URL)) {
    console.log(`[lunas] created database ${new URL(env.DATABASE_URL).pathname.slice(1)}`);
  }
} catch (error) {
  console.error(`[lunas] cannot reach Postgres at DATABASE_URL: ${(error as Error).message}`);
  process.exit(1);
}

if (useSimulator) {
  const simPort = env.SIM_PORT ?? '4010';
  env.MIDTRANS_SERVER_KEY = LOCAL_SIMULATOR_SERVER_KEY;
  env.MIDTRANS_API_BASE_URL ??= `http://127.0.0.1:${simPort}`;
  console.log(
    `[lunas] no MIDTRANS_SERVER_KEY: starting the Midtrans simulator on http://127.0.0.1:${simPort}`,
  );
  run('simulator', 'packages/simulator/src/cli.ts', {
    SIM_PORT: simPort,
    SIM_NOTIFICATION_URL: env.SIM_NOTIFICATION_URL ?? `http://127.0.0.1:${env.PORT}/webhooks/midtrans`,
  });
}
run('api', 'apps/api/src/main.ts');
run('worker', 'apps/worker/src/main.ts');
