/**
 * `npm run bench:confirm [-- --orders 2000 --rate 100 --latency-orders 1000 --concurrency 8]`
 *
 * What trusting nothing unsigned costs: every notification that would change a payment is
 * confirmed with Get Status before it is applied (docs/midtrans.md). Against the simulator, one
 * API process and one worker process (as deployed), on a fresh database and queue prefix:
 *
 *   1. drain: N notifications are queued through the webhook while no worker runs; then one
 *      worker starts and the time until all are decided gives notifications/s. Two kinds, in
 *      the same run: `pending` claims of the status the row already holds (recorded as
 *      duplicates without a call) and `settlement`s (each confirmed with Get Status, then
 *      applied). Their ratio is the price of confirmation on this machine.
 *   2. latency: with the worker running, settlements are posted at a fixed rate; webhook →
 *      applied latency is the sync log row's commit time minus the time the POST was sent.
 *
 * Prints a table and writes bench/results/confirm-<time>.json (git-ignored).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildNotification, createSimulator, type Simulator } from '@lunas/simulator';
import { RUN_SOURCES } from '../scripts/run-sources.js';
import { freePort } from '../scripts/chaos/processes.js';
import { createTestDatabase, type TestDatabase } from '../test/harness/db.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../test/harness/redis.js';
import { REPO_ROOT } from '../test/harness/system.js';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '2000' },
    'latency-orders': { type: 'string', default: '1000' },
    rate: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '8' },
  },
});
const ORDERS = Number(values.orders);
const LATENCY_ORDERS = Number(values['latency-orders']);
const RATE = Number(values.rate);
const SERVER_KEY = 'SB-Mid-server-bench-confirm-00000';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function spawnApp(entry: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [...RUN_SOURCES, entry], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    ) {
      return;
    }
    await sleep(100);
  }
  throw new Error(`${url} did not come up`);
}

/** N orders with a payment row, and N pending VA transactions at the simulator. */
async function fixture(db: TestDatabase, sim: Simulator, prefix: string, n: number): Promise<string[]> {
  await db.sql`
    INSERT INTO orders (order_code, total_amount) SELECT ${prefix} || g, 150000 FROM generate_series(1, ${n}) g`;
  await db.sql`
    INSERT INTO order_payments (order_id) SELECT id FROM orders WHERE order_code LIKE ${`${prefix}%`}`;
  const codes = Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
  for (const code of codes) {
    await sim.charge({
      payment_type: 'bank_transfer',
      transaction_details: { order_id: code, gross_amount: 150000 },
      bank_transfer: { bank: 'bca' },
    });
  }
  return codes;
}

/** The notification Midtrans would send for the transaction's current state. */
function notificationOf(sim: Simulator, code: string): string {
  const status = sim.status(code);
  if (!status) {
    throw new Error(`no transaction ${code}`);
  }
  const { status_code: _c, status_message: _m, signature_key: _s, ...fields } = status;
  return JSON.stringify(buildNotification({ ...fields }, SERVER_KEY));
}

async function post(url: string, body: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (res.status !== 200) {
    throw new Error(`webhook answered ${res.status}`);
  }
  await res.arrayBuffer();
}

async function postAll(url: string, bodies: string[], parallel = 32): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < bodies.length) {
        await post(url, bodies[next++]!);
      }
    }),
  );
}

async function decided(db: TestDatabase, prefix: string): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM core_payment_sync_logs WHERE order_code LIKE ${`${prefix}%`}`;
  return row?.n ?? 0;
}

async function drain(db: TestDatabase, prefix: string, n: number, start: () => void): Promise<number> {
  const base = await decided(db, prefix);
  const started = performance.now();
  start();
  while ((await decided(db, prefix)) - base < n) {
    if (performance.now() - started > 10 * 60_000) {
      throw new Error('drain did not finish in 10 minutes');
    }
    await sleep(50);
  }
  return n / ((performance.now() - started) / 1000);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

const db = await createTestDatabase('bench_confirm');
const prefix = testPrefix('bench-confirm');
const sim = await createSimulator({ serverKey: SERVER_KEY, logger: false });
const simUrl = await sim.listen({ port: 0, host: '127.0.0.1' });
const apiPort = await freePort();
const common = {
  DATABASE_URL: db.url,
  REDIS_URL,
  QUEUE_PREFIX: prefix,
  MIDTRANS_SERVER_KEY: SERVER_KEY,
  LOG_LEVEL: 'warn',
};
const api = spawnApp('apps/api/src/main.ts', { ...common, PORT: String(apiPort), HOST: '127.0.0.1' });
const webhook = `http://127.0.0.1:${apiPort}/webhooks/midtrans`;
const workerPort = await freePort();
let worker: ChildProcess | null = null;
const startWorker = () => {
  worker = spawnApp('apps/worker/src/main.ts', {
    ...common,
    MIDTRANS_API_BASE_URL: simUrl,
    MIGRATE_ON_START: 'false',
    METRICS_PORT: String(workerPort),
    METRICS_HOST: '127.0.0.1',
    WORKER_CONCURRENCY: values.concurrency,
    // Confirmations only: the sweep would add its own calls.
    RECONCILE_ENABLED: 'false',
    MIDTRANS_RATE_LIMIT: '1000000',
  });
};
try {
  await waitHttp(`http://127.0.0.1:${apiPort}/healthz`);
  const codes = await fixture(db, sim, 'BC-', ORDERS);
  console.log(`fixture: ${ORDERS} orders`);

  // 1a. pending claims of the status the row holds: duplicates, no Get Status.
  await postAll(
    webhook,
    codes.map((c) => notificationOf(sim, c)),
  );
  const duplicateRate = await drain(db, 'BC-', ORDERS, startWorker);
  // 1b. settlements: each confirmed with Get Status, then applied. The worker keeps running; the
  // jobs are queued first, so the drain measures the worker, not the webhook.
  worker!.kill('SIGSTOP');
  for (const code of codes) {
    await sim.pay(code);
  }
  await postAll(
    webhook,
    codes.map((c) => notificationOf(sim, c)),
  );
  const confirmedRate = await drain(db, 'BC-', ORDERS, () => worker!.kill('SIGCONT'));

  // 2. Latency at a fixed rate.
  const latencyCodes = await fixture(db, sim, 'BL-', LATENCY_ORDERS);
  for (const code of latencyCodes) {
    await sim.pay(code);
  }
  const bodies = latencyCodes.map((c) => notificationOf(sim, c));
  const sentAt = new Map<string, number>();
  const t0 = Date.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < bodies.length; i += 1) {
    const due = t0 + (i * 1000) / RATE;
    if (due > Date.now()) {
      await sleep(due - Date.now());
    }
    sentAt.set(latencyCodes[i]!, Date.now());
    inflight.push(post(webhook, bodies[i]!));
  }
  await Promise.all(inflight);
  while ((await decided(db, 'BL-')) < LATENCY_ORDERS) {
    await sleep(100);
  }
  const rows = await db.sql<{ code: string; at: Date }[]>`
    SELECT order_code AS code, created_at AS at FROM core_payment_sync_logs
    WHERE order_code LIKE 'BL-%' AND outcome = 'applied'`;
  const latencies = rows
    .map((r) => r.at.getTime() - (sentAt.get(r.code) ?? r.at.getTime()))
    .sort((a, b) => a - b);

  const result = {
    machine: `${process.platform} ${process.arch}, ${(await import('node:os')).cpus().length} cores, Node ${process.version}`,
    orders: ORDERS,
    workerConcurrency: Number(values.concurrency),
    'duplicates (no Get Status) per s': Math.round(duplicateRate),
    'confirmed settlements (Get Status + apply) per s': Math.round(confirmedRate),
    'confirmed / duplicate ratio': Number((confirmedRate / duplicateRate).toFixed(2)),
    latencyRatePerS: RATE,
    latencyOrders: LATENCY_ORDERS,
    'webhook → applied p50 ms': percentile(latencies, 50),
    'webhook → applied p99 ms': percentile(latencies, 99),
    'webhook → applied max ms': latencies.at(-1) ?? 0,
  };
  console.table(result);
  mkdirSync(`${REPO_ROOT}bench/results`, { recursive: true });
  const file = `${REPO_ROOT}bench/results/confirm-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written ${file}`);
} finally {
  (worker as ChildProcess | null)?.kill('SIGCONT');
  (worker as ChildProcess | null)?.kill('SIGTERM');
  api.kill('SIGTERM');
  await sleep(500);
  await sim.close();
  await deletePrefix(prefix);
  await db.drop();
}
