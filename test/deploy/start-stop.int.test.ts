// `npm start` as a supervisor sees it: SIGTERM to its pid stops the API, the worker and the
// simulator, and their ports are free again. Both the start script itself and `npm start`
// (npm does not pass the signal on; the script notices its parent is gone).
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/chaos/processes.js';
import { RUN_SOURCES } from '../../scripts/run-sources.js';
import { createTestDatabase, type TestDatabase } from '../harness/db.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../harness/redis.js';
import { exitOf, REPO_ROOT } from '../harness/system.js';
import { waitFor } from '../harness/wait-for.js';

let db: TestDatabase;
const prefixes: string[] = [];
beforeAll(async () => {
  db = await createTestDatabase('start');
});
afterAll(async () => {
  await Promise.all(prefixes.map((prefix) => deletePrefix(prefix)));
  await db.drop();
});

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function startLunas(command: string, args: string[]) {
  const ports = { api: await freePort(), sim: await freePort(), metrics: await freePort() };
  const prefix = testPrefix('start');
  prefixes.push(prefix);
  const child: ChildProcess = spawn(command, args, {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      DATABASE_URL: db.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      PORT: String(ports.api),
      SIM_PORT: String(ports.sim),
      METRICS_PORT: String(ports.metrics),
      RECONCILE_ENABLED: 'false',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
  const all = Object.values(ports);
  await waitFor(async () => (await Promise.all(all.map(listening))).every(Boolean), {
    timeoutMs: 40_000,
    intervalMs: 200,
    what: 'API, worker and simulator listening',
  });
  return { child, output, ports: all };
}

async function expectStoppedBySigterm(started: Awaited<ReturnType<typeof startLunas>>): Promise<void> {
  const { child, output, ports } = started;
  try {
    // Bound to loopback by default, not 0.0.0.0.
    await waitFor(() => output.join('').includes(`Server listening at http://127.0.0.1:${ports[0]}`), {
      what: 'the API bound to 127.0.0.1',
    });
  } finally {
    child.kill('SIGTERM');
    await exitOf(child, 40_000);
    await waitFor(async () => (await Promise.all(ports.map(listening))).every((up) => !up), {
      timeoutMs: 40_000,
      intervalMs: 200,
      what: 'every port free after SIGTERM',
    });
  }
}

describe('npm start and SIGTERM', () => {
  it('the start script passes SIGTERM on and waits: every port is freed', async () => {
    const started = await startLunas(process.execPath, [...RUN_SOURCES, 'scripts/start.ts']);
    await expectStoppedBySigterm(started);
    expect(started.output.join('')).toContain('[lunas] SIGTERM: stopping');
  });

  it('`kill <pid of npm start>` frees every port too', async () => {
    const started = await startLunas('npm', ['start', '--silent']);
    await expectStoppedBySigterm(started);
  });
});
