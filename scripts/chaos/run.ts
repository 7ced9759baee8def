/**
 * `npm run chaos [-- --orders 2000 --seed 1 --duration 60 --redis standalone|cluster|sentinel]`
 *
 * The whole of Lunas under realistic Midtrans behaviour and real faults, ending with the
 * database compared to Midtrans's truth (the simulator's). Runs: a Redis of its own (AOF on,
 * another port), a fresh database, 2 API and 3 worker processes, and the simulator in this
 * process. While orders flow, it SIGKILLs workers, restarts an API, kills and restarts Redis,
 * refuses Postgres connections for a while (the database's ALLOW_CONNECTIONS, and every session
 * terminated: a restart as the clients see it, without stopping the shared server) and adds
 * network delay to Postgres through a proxy. Exits non-zero on any loss. docs/reliability.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { QUEUES } from '@lunas/core';
import { createSql, ensureDatabase, migrate } from '@lunas/db';
import { createSimulator, buildNotification, sendNotification } from '@lunas/simulator';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  brokenAuditChains,
  disagreement,
  eventProblems,
  percentile,
  readDb,
  undeliveredEvents,
} from './checks.js';
import { newWebhookSecret, orderViolations, startEventReceiver } from './event-receiver.js';
import { Managed, freePort, waitUntil } from './processes.js';
import { startPgProxy } from './pg-proxy.js';
import { chargeFor, planOrders, prng, retryChargeFor, type OrderPlan } from './scenario.js';
import { RUN_SOURCES } from '../run-sources.js';
import { parseRedisKind, startChaosTopology } from './redis-topology.js';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    duration: { type: 'string', default: '0' },
    'converge-timeout': { type: 'string', default: '120' },
    redis: { type: 'string', default: 'standalone' },
    'pg-url': {
      type: 'string',
      default: process.env.CHAOS_PG_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432',
    },
  },
});
const ORDERS = Number(values.orders);
const SEED = Number(values.seed);
// By default the fault phase lasts as long as the orders take to drive (~40 orders/s).
const DURATION_S = Number(values.duration) || Math.max(20, Math.ceil(ORDERS / 40));
const CONVERGE_TIMEOUT_MS = Number(values['converge-timeout']) * 1000;
const PG_BASE = values['pg-url'];
const SERVER_KEY = `SB-Mid-server-chaos-${randomBytes(12).toString('hex')}`;
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const EVENTS_SECRET = newWebhookSecret(randomBytes(24));
const PREFIX = `lunas-chaos-${randomBytes(3).toString('hex')}`;
const random = prng(SEED * 7919);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (msg: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${msg}`);

const runDir = join('artifacts', 'chaos', `${new Date().toISOString().replace(/[:.]/g, '-')}-seed${SEED}`);
mkdirSync(runDir, { recursive: true });
const node = process.execPath;

// 1. Redis of our own, with AOF, on another port.
const redisPort = await freePort();
const redisDir = mkdtempSync(join(tmpdir(), 'lunas-chaos-redis-'));
const redisUrl = `redis://127.0.0.1:${redisPort}`;
const redis = new Managed(
  'redis',
  'redis-server',
  [
    '--port',
    String(redisPort),
    '--bind',
    '127.0.0.1',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--dir',
    redisDir,
    '--maxmemory-policy',
    'noeviction',
  ],
  { PATH: process.env.PATH ?? '' },
  runDir,
);
redis.start();
const probe = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
probe.on('error', () => undefined);
await waitUntil(async () => (await probe.ping()) === 'PONG', 10_000, 'redis');
// --redis cluster|sentinel: the processes use that topology instead (scripts/chaos/redis-topology.ts).
const redisKind = parseRedisKind(values.redis);
const topology = redisKind === 'standalone' ? null : await startChaosTopology(redisKind, PREFIX);

// 2. A fresh database, and a proxy in front of it for the workers.
const dbName = `lunas_chaos_${randomBytes(4).toString('hex')}`;
const dbUrl = `${PG_BASE}/${dbName}`;
await ensureDatabase(dbUrl);
const sql = createSql({ url: dbUrl, applicationName: 'lunas-chaos', max: 4 });
const admin = createSql({ url: `${PG_BASE}/postgres`, applicationName: 'lunas-chaos-admin', max: 1 });
await migrate(sql);
const pgTarget = new URL(PG_BASE);
const proxy = await startPgProxy({ host: pgTarget.hostname, port: Number(pgTarget.port || 5432) });
const proxiedDbUrl = `postgres://${pgTarget.username}@127.0.0.1:${proxy.port}/${dbName}`;

// 3. The simulator, then the APIs it notifies and the workers that ask it.
// A card denied in Snap may be retried under the same order id (a new transaction), as an
// expired or cancelled order id may be reused.
const sim = await createSimulator({
  serverKey: SERVER_KEY,
  timeScale: 0.002,
  seed: SEED,
  logger: false,
  compat: { reusableAfter: ['expire', 'cancel', 'deny'] },
});
const simUrl = await sim.listen({ port: 0, host: '127.0.0.1' });
sim.faults.set({ duplicateRate: 0.1, reorderRate: 0.1, dropRate: 0.05 });
// The shop's event receiver: verifies every signature, and answers 500 to one request in ten.
const receiver = await startEventReceiver(EVENTS_SECRET);
const receiverRandom = prng(SEED * 104729);
receiver.respond = () => (receiverRandom() < 0.1 ? 500 : undefined);

const common = {
  PATH: process.env.PATH ?? '',
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: PREFIX,
  MIDTRANS_SERVER_KEY: SERVER_KEY,
  ADMIN_TOKEN,
  MIGRATE_ON_START: 'false',
  LOG_LEVEL: 'info',
  SHUTDOWN_TIMEOUT_MS: '10000',
  ...topology?.env,
};
const apiPorts = [await freePort(), await freePort()];
const apis = apiPorts.map(
  (port, i) =>
    new Managed(
      `api-${i + 1}`,
      node,
      [...RUN_SOURCES, 'apps/api/src/main.ts'],
      {
        ...common,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: dbUrl,
        NOTIFICATION_BACKOFF_MS: '500',
        NOTIFICATION_ATTEMPTS: '14',
      },
      runDir,
    ),
);
const workers = [0, 1, 2].map(
  (i) =>
    new Managed(
      `worker-${i + 1}`,
      node,
      [...RUN_SOURCES, 'apps/worker/src/main.ts'],
      {
        ...common,
        DATABASE_URL: proxiedDbUrl,
        MIDTRANS_API_BASE_URL: simUrl,
        RECONCILE_EVERY_MS: '1000',
        RECONCILE_MIN_AGE_MS: '3000',
        RECONCILE_CADENCE_MS: '1000,2000,4000',
        MIDTRANS_RATE_LIMIT: '200',
        MIDTRANS_CIRCUIT_COOLDOWN_MS: '2000',
        JOB_LOCK_MS: '2000',
        STALLED_INTERVAL_MS: '2000',
        METRICS_PORT: '0',
        WORKER_CONCURRENCY: '8',
        EVENTS_WEBHOOK_URL: receiver.url,
        EVENTS_WEBHOOK_SECRET: EVENTS_SECRET,
        EVENTS_DELIVERY_ATTEMPTS: '25',
        EVENTS_DELIVERY_BACKOFF_MS: '200',
        EVENTS_RELAY_INTERVAL_MS: '250',
        // Jobs added in Redis's last second before it is SIGKILLed are lost with it (AOF everysec).
        EVENTS_RELAY_AGAIN_AFTER_MS: '5000',
      },
      runDir,
    ),
);
const webhookUrls = apiPorts.map((port) => `http://127.0.0.1:${port}/webhooks/midtrans`);
[...apis, ...workers].forEach((p) => p.start());
for (const url of webhookUrls) {
  await waitUntil(async () => (await fetch(url.replace('/webhooks/midtrans', '/readyz'))).ok, 30_000, url);
}
say(
  `system up: ${topology?.describe ?? `redis :${redisPort}`}, db ${dbName}, apis ${apiPorts.join(',')}, sim ${simUrl}; ${ORDERS} orders, seed ${SEED}, faults for ${DURATION_S}s`,
);

// 4. Faults, on a timeline across the drive phase.
const windows = {
  redisDown: [] as [number, number][],
  /** An API between SIGTERM and its restart: Fastify answers new requests 503 while it closes. */
  apiRestart: [] as [number, number][],
  lastFaultEnd: 0,
};
let faultsRunning = true;
const faultLog: string[] = [];
const fault = (what: string) => {
  faultLog.push(`${new Date().toISOString()} ${what}`);
  say(`fault: ${what}`);
};
const faultLoop = (async () => {
  const start = Date.now();
  const at = (fraction: number) => start + fraction * DURATION_S * 1000;
  const once = new Set<string>();
  const due = (name: string, fraction: number) =>
    !once.has(name) && Date.now() >= at(fraction) && once.add(name);
  let nextWorkerKill = Date.now() + 2_000;
  let nextStatusBurst = Date.now() + 4_000;
  while (faultsRunning && Date.now() < at(1)) {
    if (Date.now() >= nextWorkerKill) {
      const victim = workers[Math.floor(random() * workers.length)]!;
      fault(`SIGKILL ${victim.name}`);
      await victim.restart('SIGKILL');
      nextWorkerKill = Date.now() + 2_000 + random() * 3_000;
    }
    if (Date.now() >= nextStatusBurst) {
      fault('status API answers 503 for 2 s');
      sim.faults.set({
        duplicateRate: 0.1,
        reorderRate: 0.1,
        dropRate: 0.05,
        statusApi: { respond: 503, durationMs: 2_000 },
      });
      nextStatusBurst = Date.now() + 8_000 + random() * 4_000;
    }
    if (due('api', 0.3)) {
      fault('restart api-2 (SIGTERM, then start)');
      const stopping = Date.now();
      await apis[1]!.restart('SIGTERM');
      windows.apiRestart.push([stopping, Date.now() + 1_000]);
    }
    if (topology && due('redis', 0.5)) {
      fault(topology.faultLabel);
      const down = Date.now();
      await topology.fault();
      windows.redisDown.push([down, Date.now() + 4_000]);
    } else if (!topology && due('redis', 0.5)) {
      fault('SIGKILL redis, restart after 2 s (same AOF)');
      const down = Date.now();
      await redis.stop('SIGKILL');
      await sleep(2_000);
      redis.start();
      await waitUntil(async () => (await probe.ping()) === 'PONG', 20_000, 'redis back');
      // Down until the APIs have reconnected: their retry backoff is at most 2 s, and a request
      // waits up to ENQUEUE_TIMEOUT_MS (2 s) for the connection before answering 503.
      windows.redisDown.push([down, Date.now() + 4_000]);
    }
    if (due('postgres', 0.65)) {
      fault('Postgres refuses connections and drops every session for 3 s');
      await admin.unsafe(`ALTER DATABASE "${dbName}" WITH ALLOW_CONNECTIONS false`);
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${dbName}`;
      await sleep(3_000);
      await admin.unsafe(`ALTER DATABASE "${dbName}" WITH ALLOW_CONNECTIONS true`);
    }
    if (due('delay', 0.8)) {
      fault('200 ms network delay on Postgres for 5 s');
      proxy.setDelay(200);
      await sleep(5_000);
      proxy.setDelay(0);
    }
    await sleep(200);
  }
  windows.lastFaultEnd = Date.now();
  fault('faults over');
})();

// 5. Drive the orders, watching the database against Midtrans's truth as they go: the time an
// order first matches (and stays matched) is its convergence time.
const finalActionAt = new Map<string, number>();
const matchedAt = new Map<string, number>();
let pending: [string, string][] = [];
async function pollOnce(codes: readonly string[]): Promise<boolean> {
  const db = await readDb(sql).catch(() => null);
  if (!db) {
    return false;
  }
  pending = [];
  for (const code of codes) {
    const why = disagreement(sim, code, db.get(code));
    if (why === null) {
      if (!matchedAt.has(code)) {
        matchedAt.set(code, Date.now());
      }
    } else {
      matchedAt.delete(code);
      pending.push([code, why]);
    }
  }
  return pending.length === 0;
}
let driving = true;
const watcher = (async () => {
  while (driving) {
    await pollOnce([...finalActionAt.keys()]);
    await sleep(1_000);
  }
})();
const plans = planOrders(ORDERS, SEED, apis.length);
// Idempotent, because the shop's inserts are retried through the Postgres outage: an insert
// whose commit succeeded just before its connection was dropped must not fail the retry.
const insertOrder = async (o: OrderPlan) =>
  (
    await sql<{ id: string }[]>`
      INSERT INTO orders (order_code, total_amount) VALUES (${o.orderCode}, ${o.amount})
      ON CONFLICT (order_code) DO UPDATE SET order_code = EXCLUDED.order_code
      RETURNING id`
  )[0]!.id;
const insertPayment = (orderId: string) =>
  sql`INSERT INTO order_payments (order_id)
      SELECT ${orderId}::bigint WHERE NOT EXISTS (SELECT 1 FROM order_payments WHERE order_id = ${orderId})`;
const withDbRetry = async <T>(fn: () => Promise<T>): Promise<T> => {
  // The shop's own inserts also meet the Postgres outage; like a shop, retry them.
  for (let i = 0; ; i += 1) {
    try {
      return await fn();
    } catch (error) {
      if (i >= 40) {
        throw error;
      }
      await sleep(250);
    }
  }
};

async function drive(o: OrderPlan): Promise<void> {
  const orderId = await withDbRetry(() => insertOrder(o));
  if (o.lateRowMs === null) {
    await withDbRetry(() => insertPayment(orderId));
  }
  const routing = { overrideNotification: [webhookUrls[o.apiIndex]!] };
  await sim.charge(chargeFor(o) as never, routing);
  const pause = () => sleep(random() * 300);
  await pause();
  switch (o.plan) {
    case 'paid':
      await sim.pay(o.orderCode);
      break;
    case 'expired':
      await sim.expire(o.orderCode);
      break;
    case 'cancelled':
      await sim.cancel(o.orderCode);
      break;
    case 'denied':
      break; // denied by the bank at charge
    case 'challenge-accept':
    case 'challenge-deny':
      await sim.resolveChallenge(o.orderCode, o.plan === 'challenge-accept' ? 'accept' : 'deny');
      break;
    case 'partial-refund':
      await sim.pay(o.orderCode);
      await pause();
      await sim.refund(o.orderCode, Math.floor(o.amount / 2));
      break;
    case 'full-refund':
      await sim.pay(o.orderCode);
      await pause();
      await sim.refund(o.orderCode);
      break;
    case 'reversal':
      await sim.pay(o.orderCode);
      await pause();
      await sim.reverse(o.orderCode);
      break;
    case 'second-transaction':
      // The shop records no row for the second transaction: Lunas records it.
      await sim.expire(o.orderCode);
      await pause();
      await sim.charge(retryChargeFor(o) as never, routing);
      await pause();
      await sim.pay(o.orderCode);
      break;
    case 'snap-retry':
      await sim.charge(retryChargeFor(o) as never, routing);
      break;
    case 'partial-refunds':
      await sim.pay(o.orderCode);
      await pause();
      await sim.refund(o.orderCode, Math.floor(o.amount / 4));
      await pause();
      await sim.refund(o.orderCode, Math.floor(o.amount / 4));
      break;
  }
  finalActionAt.set(o.orderCode, Date.now());
  if (o.lateRowMs !== null) {
    await sleep(o.lateRowMs);
    await withDbRetry(() => insertPayment(orderId));
  }
}

const lanes = 24;
const spacingMs = (DURATION_S * 1000 * 0.85) / Math.max(1, ORDERS / lanes);
let next = 0;
const driveErrors: string[] = [];
await Promise.all(
  Array.from({ length: lanes }, async () => {
    while (next < plans.length) {
      const o = plans[next++]!;
      const started = Date.now();
      await drive(o).catch((error: unknown) =>
        driveErrors.push(`${o.orderCode}: ${(error as Error).message}`),
      );
      await sleep(Math.max(0, spacingMs - (Date.now() - started)));
    }
  }),
);
say(`driven ${plans.length} orders (${driveErrors.length} driver errors)`);

// Forged notifications: signed with another key. Each must get 401 and change nothing.
const forgedAnswers: number[] = [];
for (let i = 0; i < 20; i += 1) {
  const target = plans[i % plans.length]!;
  const body = buildNotification(
    { order_id: target.orderCode, transaction_status: 'settlement', gross_amount: target.amount },
    'SB-Mid-server-forger',
  );
  forgedAnswers.push((await sendNotification(webhookUrls[i % 2]!, body).catch(() => ({ status: 0 }))).status);
}
// Edited replays: an attacker holding genuine bodies edits every field the signature does not
// bind (transaction_status, fraud_status, transaction_id, payment_type, refunds) and keeps the
// signature_key. Each is refused (400) or queued (200), and none may change a payment: the
// final check compares every order with Midtrans's truth.
const editedAnswers: number[] = [];
const replayRandom = prng(SEED + 1);
for (const o of plans) {
  if (replayRandom() >= 0.15) {
    continue;
  }
  const genuine = sim.deliveries(o.orderCode).find((d) => d.httpStatus === 200)?.body;
  const latest = sim.status(o.orderCode);
  if (!genuine || !latest) {
    continue;
  }
  const edits: Record<string, unknown>[] =
    genuine.status_code === '202'
      ? [{ transaction_status: 'deny', payment_type: 'echannel', transaction_id: latest.transaction_id }]
      : genuine.status_code === '201'
        ? [{ transaction_status: 'capture', fraud_status: 'accept' }]
        : [
            { transaction_status: 'settlement', fraud_status: 'accept' },
            { transaction_status: 'refund', refund_amount: genuine.gross_amount },
            { transaction_status: 'chargeback', transaction_id: latest.transaction_id },
            { transaction_status: 'settlement', transaction_id: `made-up-${o.orderCode}` },
          ];
  for (const edit of edits) {
    const answer = await sendNotification(webhookUrls[o.apiIndex]!, { ...genuine, ...edit }).catch(() => ({
      status: 0,
    }));
    editedAnswers.push(answer.status);
  }
}
say(`sent ${editedAnswers.length} edited replays`);
faultsRunning = false;
await faultLoop;
driving = false;
await watcher;
sim.faults.clear();

// 6. Convergence: poll until the database agrees with Midtrans's truth everywhere.
const convergeStart = Date.now();
const allCodes = plans.map((o) => o.orderCode);
while (!(await pollOnce(allCodes)) && Date.now() - convergeStart < CONVERGE_TIMEOUT_MS) {
  await sleep(500);
}
await sim.idle().catch(() => undefined);
say(
  `convergence ${pending.length === 0 ? 'reached' : 'NOT reached'} ${((Date.now() - convergeStart) / 1000).toFixed(1)} s after the last order was driven`,
);

// Every event delivered at least once: Postgres's delivered_at and the receiver's own 2xx.
const eventsStart = Date.now();
let undelivered = await undeliveredEvents(sql, new Set(receiver.delivered().keys()));
while (undelivered.length > 0 && Date.now() - eventsStart < CONVERGE_TIMEOUT_MS) {
  await sleep(500);
  undelivered = await undeliveredEvents(sql, new Set(receiver.delivered().keys()));
}
say(
  `events ${undelivered.length === 0 ? 'all delivered' : 'NOT all delivered'} ${((Date.now() - eventsStart) / 1000).toFixed(1)} s after convergence`,
);

// 7. Checks and figures.
const broken = await brokenAuditChains(sql);
const eventsBroken = await eventProblems(sql);
const outOfOrder = orderViolations(receiver.received);
const unverified = receiver.received.filter((r) => r.event === null).length;
const [eventCount] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM payment_events`;
const inWindow = (list: [number, number][], at: number) => list.some(([a, b]) => at >= a && at <= b);
const inRedisWindow = (at: number) => inWindow(windows.redisDown, at);
const inApiRestart = (at: number) => inWindow(windows.apiRestart, at);
let badAnswers = 0;
let noAnswer = 0;
let answered200 = 0;
let answered503 = 0;
for (const o of plans) {
  for (const d of sim.deliveries(o.orderCode)) {
    if (d.httpStatus === undefined) {
      noAnswer += d.attempt === 0 ? 0 : 1; // attempt 0 = dropped by the fault, never sent
      continue;
    }
    if (d.httpStatus === 200) {
      answered200 += 1;
    } else if (
      d.httpStatus === 503 &&
      (inRedisWindow(Date.parse(d.at) + d.durationMs) || inApiRestart(Date.parse(d.at)))
    ) {
      // Judged by when the answer came: a request that started just before Redis died gets its
      // 503 while Redis is down. An API that is closing answers new requests 503 (Midtrans
      // retries them), as a load balancer would see until it stops routing there.
      answered503 += 1;
    } else {
      badAnswers += 1;
      say(`unexpected answer ${d.httpStatus} for ${o.orderCode} at ${d.at}`);
    }
  }
}
const forgedBad = forgedAnswers.filter((s) => s !== 401).length;
// An edited replay meets the faults too: a 503 while Redis is down or no answer during a restart
// is Midtrans's to retry, not a wrong answer.
const editedBad = editedAnswers.filter((s) => ![200, 400, 503, 0].includes(s)).length;
const convergence = plans.map((o) =>
  Math.max(
    0,
    (matchedAt.get(o.orderCode) ?? Date.now()) -
      Math.max(finalActionAt.get(o.orderCode) ?? 0, windows.lastFaultEnd),
  ),
);
const [viaReconcile] = await sql<
  { n: string }[]
>`SELECT count(*)::text AS n FROM core_payment_sync_logs WHERE outcome = 'applied' AND sync_type = 'reconcile'`;
const outcomes = await sql<
  { outcome: string; n: string }[]
>`SELECT outcome, count(*)::text AS n FROM core_payment_sync_logs GROUP BY outcome ORDER BY outcome`;
const notifications = new Queue(QUEUES.notifications, {
  connection: topology?.connection() ?? { url: redisUrl },
  prefix: topology?.prefix ?? PREFIX,
});
const completed = await notifications.getJobs(['completed'], 0, -1);
const retried = completed.filter((j) => j.attemptsMade > 1).length;
const failedNow = await notifications.getFailedCount();
await notifications.close();

// Secrets never reach a log line.
const logText = readdirSync(runDir)
  .map((f) => readFileSync(join(runDir, f), 'utf8'))
  .join('\n');
const secretHits = [SERVER_KEY, ADMIN_TOKEN, EVENTS_SECRET].filter((s) => logText.includes(s)).length;

const report = {
  orders: ORDERS,
  seed: SEED,
  faults: faultLog.length,
  'orders differing from Midtrans (must be 0)': pending.length,
  'transitions without exactly one applied row (must be 0)': broken.length,
  'answers other than 200 / 401 forged / 503 while Redis was down or an API restarting (must be 0)':
    badAnswers + forgedBad,
  'applied transitions without exactly one event, or events without one (must be 0)': eventsBroken.length,
  'events never delivered (must be 0)': undelivered.length,
  'events sent out of order within an order (must be 0)': outOfOrder.length,
  'event requests with a signature that does not verify (must be 0)': unverified,
  'secrets found in logs (must be 0)': secretHits,
  'driver errors': driveErrors.length,
  'answers 200': answered200,
  'answers 503 while Redis was down or an API was restarting': answered503,
  'attempts with no answer (process restarting)': noAnswer,
  'forged notifications answered 401': forgedAnswers.length - forgedBad,
  'edited replays sent (answered 200 or 400; must change nothing)': editedAnswers.length,
  'edited replays answered otherwise (must be 0)': editedBad,
  'converge after last fault p50 ms': percentile(convergence, 50),
  'converge after last fault p99 ms': percentile(convergence, 99),
  'converge after last fault max ms': Math.max(...convergence),
  'applied by reconciliation (notification lost or late)': Number(viaReconcile?.n ?? 0),
  'notification jobs retried': retried,
  'notification jobs failed (dead letters)': failedNow,
  'sync log outcomes': Object.fromEntries(outcomes.map((o) => [o.outcome, Number(o.n)])),
  events: eventCount?.n ?? 0,
  'event requests (500 to one in ten)': receiver.received.length,
  'worker restarts': workers.reduce((n, w) => n + w.restarts, 0),
  'processes that exited on their own (restarted, like a supervisor would)': [...apis, ...workers].reduce(
    (n, p) => n + p.unexpectedExits,
    0,
  ),
  logs: runDir,
};
console.log(JSON.stringify(report, null, 2));
const slowest = plans
  .map((o, i) => ({
    code: o.orderCode,
    plan: o.plan,
    lateRow: o.lateRowMs !== null,
    ms: convergence[i] ?? 0,
  }))
  .sort((a, b) => b.ms - a.ms)
  .slice(0, 5);
for (const o of slowest) {
  console.log(`  slowest: ${o.code} (${o.plan}${o.lateRow ? ', late row' : ''}) ${o.ms} ms`);
}
for (const [code, why] of pending.slice(0, 20)) {
  console.log(`  differs: ${code}: ${why}`);
}
for (const line of broken.slice(0, 20)) {
  console.log(`  audit: ${line}`);
}
for (const line of [...eventsBroken, ...undelivered, ...outOfOrder].slice(0, 20)) {
  console.log(`  events: ${line}`);
}
for (const line of driveErrors.slice(0, 10)) {
  console.log(`  driver: ${line}`);
}

// 8. Tear down.
await Promise.all([...apis, ...workers].map((p) => p.close()));
await sim.close();
await receiver.close();
probe.disconnect();
await redis.close();
await topology?.stop();
await proxy.close();
await sql.end({ timeout: 5 });
await admin.unsafe(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
await admin.end({ timeout: 5 });

const lost =
  pending.length +
  broken.length +
  badAnswers +
  forgedBad +
  editedBad +
  secretHits +
  driveErrors.length +
  eventsBroken.length +
  undelivered.length +
  outOfOrder.length +
  unverified;
console.log(lost === 0 ? 'chaos: PASS — nothing lost' : `chaos: FAIL — ${lost} problem(s)`);
process.exit(lost === 0 ? 0 : 1);
