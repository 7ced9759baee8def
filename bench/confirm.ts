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
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createSimulator } from '@lunas/simulator';
import { freePort } from '../scripts/chaos/processes.js';
import { createTestDatabase } from '../test/harness/db.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../test/harness/redis.js';
import { REPO_ROOT } from '../test/harness/system.js';
import {
  appliedLatencies,
  decided,
  drain,
  fixture,
  notificationOf,
  percentile,
  post,
  postAll,
  sleep,
  spawnApp,
  waitHttp,
} from './pipeline-kit.js';

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
    codes.map((c) => notificationOf(sim, c, SERVER_KEY)),
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
    codes.map((c) => notificationOf(sim, c, SERVER_KEY)),
  );
  const confirmedRate = await drain(db, 'BC-', ORDERS, () => worker!.kill('SIGCONT'));

  // 2. Latency at a fixed rate.
  const latencyCodes = await fixture(db, sim, 'BL-', LATENCY_ORDERS);
  for (const code of latencyCodes) {
    await sim.pay(code);
  }
  const bodies = latencyCodes.map((c) => notificationOf(sim, c, SERVER_KEY));
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
  const latencies = await appliedLatencies(db, 'BL-', sentAt);

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
