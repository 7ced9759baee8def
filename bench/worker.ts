/**
 * `npm run bench:worker [-- --orders 2000 --concurrency 8,32 --batch 1,64 --bare-connections 8,32]`
 * `npm run bench:worker -- --scaling [--orders 1000 --workers 1,2,4 --concurrency 8,32,64 --batch 1,16,64]`
 *
 * How fast worker processes drain queued, confirmed settlements, against what Postgres can do
 * with one bare transaction per notification, in the same run on the same Postgres:
 *
 *   - bare: in this process, K connections each run BEGIN; SELECT the payment FOR UPDATE;
 *     UPDATE order_payments; UPDATE orders; INSERT the audit row; COMMIT, once per notification,
 *     with no Midtrans call, on a fresh set of N rows.
 *   - worker: N sealed settlement jobs are queued straight into Redis (through the API's own
 *     ingestNotification, collected and added with addBulk: no API in the measurement) on a
 *     paused queue, for N fresh rows whose transactions are settled at the simulator (in this
 *     process, serving Get Status: confirmation stays on). W worker processes start from
 *     sources with WORKER_CONCURRENCY, NOTIFICATION_BATCH_MAX and NOTIFICATION_BATCH_WAIT_MS;
 *     once all are ready the queue resumes, and the rate is N over the time from the first
 *     applied sync log row to the N-th.
 *
 * While each variant runs, CPU time (utime + stime from /proc) of the workers, this process
 * (simulator and bare client), redis-server and the postgres processes is read, as a share of
 * the machine's cores. A variant whose worker pools could exceed Postgres's free connections is
 * skipped and says so. Prints a table and writes bench/results/worker-<time>.json; with
 * --scaling also bench/results/worker-scaling-<time>.svg (git-ignored).
 */
import { type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { createSimulator } from '@lunas/simulator';
import { freePort } from '../scripts/chaos/processes.js';
import { createTestDatabase } from '../test/harness/db.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../test/harness/redis.js';
import { REPO_ROOT } from '../test/harness/system.js';
import { sleep, spawnApp, waitHttp } from './pipeline-kit.js';
import { scalingSvg } from './svg.js';
import {
  CpuSampler,
  openBare,
  pidsNamed,
  queueSealedJobs,
  settledFixture,
  type ProcessGroups,
} from './worker-kit.js';

const { values } = parseArgs({
  options: {
    scaling: { type: 'boolean', default: false },
    sweep: { type: 'boolean', default: false },
    orders: { type: 'string' },
    workers: { type: 'string' },
    concurrency: { type: 'string' },
    batch: { type: 'string' },
    'batch-wait-ms': { type: 'string', default: '5' },
    'bare-connections': { type: 'string', default: '8,32' },
    'timeout-s': { type: 'string', default: '180' },
    /** Write a V8 CPU profile of each worker process under bench/results/profiles/. */
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const SCALING = values.scaling || values.sweep;
const list = (flag: string | undefined, fallback: string) => (flag ?? fallback).split(',').map(Number);
const N = Number(values.orders ?? (SCALING ? '600' : '2000'));
const WORKERS = list(values.workers, SCALING ? '1,2,4' : '1');
const CONCURRENCY = list(values.concurrency, SCALING ? '8,32,64' : '8,32');
const BATCH = list(values.batch, SCALING ? '1,16,64' : '1,64');
const BARE = list(values['bare-connections'], '8,32');
const TIMEOUT_MS = Number(values['timeout-s']) * 1000;
const SERVER_KEY = 'SB-Mid-server-bench-worker-000000';
const CORES = cpus().length;

interface Row {
  variant: string;
  workers: number | null;
  concurrency: number | null;
  batch: number | null;
  connections: number | null;
  'notifications/s': number | null;
  skipped?: string;
  /** Worker variants: N over resume → N-th applied (includes the time to the first). */
  fromResumePerS?: number;
  /** Most connections to the bench database seen while the variant ran (workers and bench). */
  peakConnections?: number;
  cpu?: Record<string, number>;
  /** CPU time each group spent per notification, ms (machine-share independent). */
  cpuMsPerNotification?: Record<string, number>;
}

const db = await createTestDatabase('bench_worker');
const sim = await createSimulator({ serverKey: SERVER_KEY, logger: false });
const simUrl = await sim.listen({ port: 0, host: '127.0.0.1' });
const [settings] = await db.sql<{ max: number }[]>`SELECT current_setting('max_connections')::int AS max`;
/** Kept free for the bench's own pools and for whatever else shares this Postgres. */
const CONNECTION_MARGIN = 10;
const MAX_CONNECTIONS = settings?.max ?? 100;

async function freeConnections(): Promise<number> {
  const [row] = await db.sql<{ used: number }[]>`SELECT count(*)::int AS used FROM pg_stat_activity`;
  return MAX_CONNECTIONS - (row?.used ?? 0) - CONNECTION_MARGIN;
}

/**
 * Null when the worker pools (their default size, see databasePoolSize) fit in what Postgres has
 * free, waiting up to 30 s for other work to release connections; else why the variant is skipped.
 */
async function connectionsShort(needed: number): Promise<string | null> {
  if (needed > MAX_CONNECTIONS - CONNECTION_MARGIN) {
    return `skipped: pools need ${needed} connections, max_connections is ${MAX_CONNECTIONS}`;
  }
  const deadline = Date.now() + 30_000;
  let free = await freeConnections();
  while (free < needed && Date.now() < deadline) {
    await sleep(500);
    free = await freeConnections();
  }
  return free < needed ? `skipped: pools need ${needed} connections, ${free} free now` : null;
}

function cpuGroups(workerPids: readonly number[]): () => Promise<ProcessGroups> {
  return async () => {
    const backends = await db.sql<{ pid: number }[]>`
      SELECT pid FROM pg_stat_activity WHERE datname = ${db.name}`;
    return {
      workers: workerPids,
      'bench+sim': [process.pid],
      redis: pidsNamed('redis-server'),
      'pg (bench db)': backends.map((b) => b.pid),
      'pg (rest)': pidsNamed('postgres'),
    };
  };
}

function cpuFigures(cpu: Awaited<ReturnType<CpuSampler['stop']>>): Pick<Row, 'cpu' | 'cpuMsPerNotification'> {
  return {
    cpu: cpu.shares,
    cpuMsPerNotification: Object.fromEntries(
      Object.entries(cpu.cpuSeconds).map(([name, seconds]) => [
        name,
        Math.round((seconds * 10_000) / N) / 10,
      ]),
    ),
  };
}

async function maxSyncLogId(): Promise<string> {
  const [row] = await db.sql<
    { id: string }[]
  >`SELECT COALESCE(max(id), 0)::text AS id FROM core_payment_sync_logs`;
  return row?.id ?? '0';
}

async function runBare(connections: number, index: number, label = ''): Promise<Row> {
  const rows = await settledFixture(db.sql, sim, SERVER_KEY, `BB${index}-`, N);
  const bare = await openBare(db.url, connections);
  const sampler = new CpuSampler(cpuGroups([]));
  try {
    await sampler.start();
    const seconds = await bare.run(rows);
    const cpu = await sampler.stop(CORES);
    return {
      ...cpuFigures(cpu),
      variant: `bare K=${connections}${label}`,
      workers: null,
      concurrency: null,
      batch: null,
      connections,
      'notifications/s': Math.round(N / seconds),
    };
  } finally {
    await bare.end();
  }
}

function startWorkers(
  count: number,
  prefix: string,
  concurrency: number,
  batch: number,
): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const port = await freePort();
      const child = spawnApp(
        'apps/worker/src/main.ts',
        {
          DATABASE_URL: db.url,
          REDIS_URL,
          QUEUE_PREFIX: prefix,
          MIDTRANS_SERVER_KEY: SERVER_KEY,
          MIDTRANS_API_BASE_URL: simUrl,
          MIGRATE_ON_START: 'false',
          METRICS_PORT: String(port),
          METRICS_HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          WORKER_CONCURRENCY: String(concurrency),
          NOTIFICATION_BATCH_MAX: String(batch),
          NOTIFICATION_BATCH_WAIT_MS: String(values['batch-wait-ms']),
          // Confirmations only: no sweep, no stuck-payment check, no Midtrans rate limit.
          RECONCILE_ENABLED: 'false',
          ALERT_STUCK_CHECK_MS: '0',
          MIDTRANS_RATE_LIMIT: '1000000',
        },
        values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${REPO_ROOT}/bench/results/profiles`] : [],
      );
      await waitHttp(`http://127.0.0.1:${port}/readyz`);
      return child;
    }),
  );
}

async function stopWorkers(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        return;
      }
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/** Polls the sync log until N rows after `base` are applied; times of the first and the N-th. */
async function awaitApplied(
  base: string,
  resumedAt: number,
  children: readonly ChildProcess[],
): Promise<{ first: number; all: number; peakConnections: number }> {
  let first = 0;
  let peakConnections = 0;
  for (let poll = 0; ; poll += 1) {
    if (poll % 5 === 0) {
      const [c] = await db.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${db.name}`;
      peakConnections = Math.max(peakConnections, c?.n ?? 0);
    }
    const [row] = await db.sql<{ applied: number; decided: number }[]>`
      SELECT count(*) FILTER (WHERE outcome = 'applied')::int AS applied, count(*)::int AS decided
      FROM core_payment_sync_logs WHERE id > ${base}`;
    const now = performance.now();
    const applied = row?.applied ?? 0;
    if (applied > 0 && first === 0) {
      first = now;
    }
    if (applied >= N) {
      return { first, all: now, peakConnections };
    }
    if ((row?.decided ?? 0) > applied) {
      throw new Error(`${(row?.decided ?? 0) - applied} notifications were decided but not applied`);
    }
    const dead = children.find((c) => c.exitCode !== null || c.signalCode !== null);
    if (dead) {
      throw new Error(
        `a worker exited (${dead.exitCode ?? dead.signalCode}) with ${applied} of ${N} applied`,
      );
    }
    if (now - resumedAt > TIMEOUT_MS) {
      throw new Error(`only ${applied} of ${N} applied after ${TIMEOUT_MS / 1000} s`);
    }
    await sleep(20);
  }
}

async function runWorkers(workers: number, concurrency: number, batch: number, index: number): Promise<Row> {
  const variant = `worker ${workers}x c${concurrency} b${batch}`;
  const shape = { variant, workers, concurrency, batch, connections: null };
  // The worker's default pool (apps/worker/src/deps.ts databasePoolSize; reconciliation is off).
  const pool = (batch > 1 ? Math.min(concurrency, 16) : concurrency) + 2;
  const skipped = await connectionsShort(workers * pool);
  if (skipped) {
    return { ...shape, 'notifications/s': null, skipped };
  }
  const prefix = testPrefix('bench-worker');
  const rows = await settledFixture(db.sql, sim, SERVER_KEY, `BW${index}-`, N);
  const paused = await queueSealedJobs(
    prefix,
    SERVER_KEY,
    rows.map((r) => r.body),
  );
  let children: ChildProcess[] = [];
  try {
    children = await startWorkers(workers, prefix, concurrency, batch);
    const base = await maxSyncLogId();
    const sampler = new CpuSampler(cpuGroups(children.map((c) => c.pid!)));
    await sampler.start();
    const resumedAt = performance.now();
    await paused.queue.resume();
    const { first, all, peakConnections } = await awaitApplied(base, resumedAt, children);
    const cpu = await sampler.stop(CORES);
    return {
      ...shape,
      ...cpuFigures(cpu),
      'notifications/s': Math.round(N / ((all - first) / 1000)),
      fromResumePerS: Math.round(N / ((all - resumedAt) / 1000)),
      peakConnections,
    };
  } finally {
    await stopWorkers(children);
    await paused.close();
    await deletePrefix(prefix);
  }
}

function printTable(rows: readonly Row[]): void {
  const bares = rows.filter((r) => r.connections !== null && !r.variant.endsWith('(end)'));
  console.table(
    rows.map((r) => {
      const rate = r['notifications/s'];
      const ratios = Object.fromEntries(
        bares.map((b) => [
          `÷ ${b.variant}`,
          rate === null || r.connections !== null ? '' : round2(rate / (b['notifications/s'] ?? 1)),
        ]),
      );
      const cpu = Object.fromEntries(Object.entries(r.cpu ?? {}).map(([k, v]) => [`${k} %`, v]));
      const conns = r.peakConnections ?? '';
      return { variant: r.variant, 'notif/s': rate ?? r.skipped, ...ratios, 'pg conns': conns, ...cpu };
    }),
  );
  console.log(`CPU: share of ${CORES} cores over each variant's run (100 % = every core busy).`);
  console.table(
    rows
      .filter((r) => r.cpuMsPerNotification)
      .map((r) => ({ variant: r.variant, ...r.cpuMsPerNotification })),
  );
  console.log('CPU ms per notification, by process group.');
}

const round2 = (x: number) => Math.round(x * 100) / 100;

const results: Row[] = [];
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
try {
  console.log(
    `N=${N} per variant; bare K=${BARE.join(',')}; workers ${WORKERS.join(',')} x concurrency ${CONCURRENCY.join(',')} x batch ${BATCH.join(',')}`,
  );
  for (const [i, k] of BARE.entries()) {
    results.push(await runBare(k, i));
    console.log(`${results.at(-1)!.variant}: ${results.at(-1)!['notifications/s']}/s`);
  }
  let index = 0;
  for (const batch of BATCH) {
    for (const workers of WORKERS) {
      for (const concurrency of CONCURRENCY) {
        const row = await runWorkers(workers, concurrency, batch, index++);
        results.push(row);
        console.log(`${row.variant}: ${row['notifications/s'] ?? row.skipped}${row.skipped ? '' : '/s'}`);
      }
    }
  }
  // The baseline again at the end: how far the shared machine drifted while the grid ran.
  for (const [i, k] of BARE.entries()) {
    results.push(await runBare(k, BARE.length + i, ' (end)'));
    console.log(`${results.at(-1)!.variant}: ${results.at(-1)!['notifications/s']}/s`);
  }
  printTable(results);
  const bestBare = Math.max(
    ...results.filter((r) => r.connections !== null).map((r) => r['notifications/s'] ?? 0),
  );
  const summary = {
    machine: `${process.platform} ${process.arch}, ${CORES} cores, Node ${process.version}`,
    command: `npm run bench:worker -- ${process.argv.slice(2).join(' ')}`.trim(),
    orders: N,
    batchWaitMs: Number(values['batch-wait-ms']),
    maxConnections: MAX_CONNECTIONS,
    bestBarePerS: bestBare,
    results,
  };
  mkdirSync(`${REPO_ROOT}bench/results`, { recursive: true });
  const file = `${REPO_ROOT}bench/results/worker-${stamp}.json`;
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`written ${file}`);
  if (SCALING) {
    const svg = scalingSvg(
      `Worker drain of confirmed settlements, N=${N} (${CORES}-core machine)`,
      results.flatMap((r) =>
        r.workers !== null && r.concurrency !== null && r.batch !== null && r['notifications/s'] !== null
          ? [{ workers: r.workers, concurrency: r.concurrency, batch: r.batch, rate: r['notifications/s'] }]
          : [],
      ),
      results
        .filter((r) => r.connections !== null && !r.variant.endsWith('(end)'))
        .map((r) => ({ label: r.variant, rate: r['notifications/s'] ?? 0 })),
      { workers: WORKERS, concurrencies: CONCURRENCY, batches: BATCH },
      results.some((r) => r.skipped)
        ? 'A missing point was skipped: its worker pools would not fit in the free Postgres connections (see the JSON).'
        : '',
    );
    const svgFile = `${REPO_ROOT}bench/results/worker-scaling-${stamp}.svg`;
    writeFileSync(svgFile, svg);
    console.log(`written ${svgFile}`);
  }
} finally {
  await sim.close();
  await db.drop();
}
