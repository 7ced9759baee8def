/**
 * `npm run bench:e2e [-- --duration 60 --rate 200 --peak-rate 1000 --steps 4 --concurrency 8]`
 *
 * The whole pipeline as deployed: one API process and one worker process (from sources, like
 * `npm start`) and the Midtrans simulator in a process of its own, on a fresh database and a
 * unique queue prefix. The bench posts genuinely signed settlement notifications over HTTP for
 * seeded orders whose transactions the simulator holds (settled), so each one is confirmed
 * with Get Status and applied: the real path.
 *
 *   a) fixed: `--rate` notifications/s for `--duration` s, open loop; webhook → applied latency
 *      (the sync log row's created_at minus the time the POST was sent) p50/p95/p99.
 *   b) peak: the rates of `--rates` (or `--steps` even steps up to `--peak-rate`), each for
 *      `--duration` s; a step keeps up when the load was offered in full, every POST got 200,
 *      and when it ends no more than one second of arrivals is still undecided (the backlog
 *      stayed bounded). The ramp stops at the first step that does not keep up.
 *
 * During every phase the CPU of each process (API, worker, simulator, this load generator,
 * redis-server, the postgres backends of the bench's database and the rest of the postgres
 * server, everything else, idle) is read from /proc, so where the wall is can
 * be read off the table. Worker knobs pass through: --concurrency (WORKER_CONCURRENCY),
 * --batch-max (NOTIFICATION_BATCH_MAX), --batch-wait-ms (NOTIFICATION_BATCH_WAIT_MS).
 *
 * Prints tables; writes bench/results/e2e-<time>.json and e2e-<time>.svg (git-ignored).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { createSimulator } from '@lunas/simulator';
import { RUN_SOURCES } from '../scripts/run-sources.js';
import { freePort } from '../scripts/chaos/processes.js';
import { createTestDatabase, type TestDatabase } from '../test/harness/db.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../test/harness/redis.js';
import { REPO_ROOT } from '../test/harness/system.js';
import {
  appliedLatencies,
  chargeAll,
  cpuSampler,
  decided,
  notificationOf,
  percentile,
  seedOrders,
  sleep,
  spawnApp,
  waitHttp,
  type CpuShare,
} from './pipeline-kit.js';
import { printProfile, summarizeProfile } from './profile-summary.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'bench' },
    duration: { type: 'string', default: '60' },
    rate: { type: 'string', default: '200' },
    'peak-rate': { type: 'string', default: '1000' },
    steps: { type: 'string', default: '4' },
    rates: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    'batch-max': { type: 'string' },
    'batch-wait-ms': { type: 'string' },
    connections: { type: 'string', default: '64' },
    'skip-fixed': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});
const SERVER_KEY = 'SB-Mid-server-bench-e2e-0000000';
/** How long the bench waits after a step for its backlog to be decided. */
const DRAIN_LIMIT_MS = 90_000;

// ---------------------------------------------------------------------------------------------
// The simulator's own process: it holds the transactions and answers the worker's Get Status.
// The bench asks it (over IPC) to charge and settle n transactions and to hand back their
// signed settlement notifications.

type SimRequest = { prepare: { prefix: string; codes: string[] } };
type SimReply = { listening: string } | { prepared: string[] };

async function simulatorRole(): Promise<void> {
  const sim = await createSimulator({ serverKey: SERVER_KEY, logger: false });
  const url = await sim.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', (message: SimRequest) => {
    void (async () => {
      const { codes } = message.prepare;
      await chargeAll(sim, codes);
      for (const code of codes) {
        await sim.pay(code);
      }
      process.send!({ prepared: codes.map((c) => notificationOf(sim, c, SERVER_KEY)) } satisfies SimReply);
    })();
  });
  process.once('disconnect', () => void sim.close().then(() => process.exit(0)));
  process.send!({ listening: url } satisfies SimReply);
}

interface SimulatorProcess {
  readonly url: string;
  readonly pid: number;
  prepare(prefix: string, codes: string[]): Promise<string[]>;
  stop(): Promise<void>;
}

async function spawnSimulator(): Promise<SimulatorProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...RUN_SOURCES, 'bench/e2e.ts', '--role', 'simulator'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const next = () => once(child, 'message').then(([m]) => m as SimReply);
  const first = await next();
  if (!('listening' in first)) {
    throw new Error('simulator did not start');
  }
  return {
    url: first.listening,
    pid: child.pid!,
    async prepare(prefix, codes) {
      const reply = next();
      child.send({ prepare: { prefix, codes } } satisfies SimRequest);
      const answer = await reply;
      if (!('prepared' in answer)) {
        throw new Error('simulator did not prepare');
      }
      return answer.prepared;
    },
    async stop() {
      child.disconnect();
      await once(child, 'exit');
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The load generator: pre-built bodies, keep-alive sockets, open loop (a POST is sent when it
// is due, whether or not earlier ones were answered, so a slow API cannot slow the offer).

interface Offered {
  sent: number;
  seconds: number;
  non200: number;
  errors: number;
}

function createLoad(url: string, connections: number) {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const send = (body: Buffer): Promise<number> =>
    new Promise((resolve) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.once('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.once('error', () => resolve(-1));
      req.end(body);
    });
  return async (
    codes: readonly string[],
    bodies: readonly Buffer[],
    rate: number,
    sentAt: Map<string, number>,
  ): Promise<Offered> => {
    const answers: Promise<number>[] = [];
    const t0 = performance.now();
    let i = 0;
    while (i < bodies.length) {
      const due = Math.min(bodies.length, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
      for (; i < due; i += 1) {
        sentAt.set(codes[i]!, Date.now());
        answers.push(send(bodies[i]!));
      }
      await sleep(2);
    }
    const seconds = (performance.now() - t0) / 1000;
    const statuses = await Promise.all(answers);
    return {
      sent: bodies.length,
      seconds,
      non200: statuses.filter((s) => s !== 200 && s !== -1).length,
      errors: statuses.filter((s) => s === -1).length,
    };
  };
}

// ---------------------------------------------------------------------------------------------

interface StepResult {
  phase: string;
  targetPerS: number;
  sent: number;
  /** Decided by the end of the offer (the rest drained after it). */
  decidedInPhase: number;
  offeredPerS: number;
  /** Decided per second during the offer: every notification here is a settlement of a pending row, so decided is applied. */
  appliedPerS: number;
  backlogAtEnd: number;
  maxBacklog: number;
  keptUp: boolean;
  non200: number;
  errors: number;
  drainSeconds: number;
  /** Still undecided when the drain gave up (DRAIN_LIMIT_MS): not in the latency figures. */
  undecidedAfterDrain: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  cpu: CpuShare[];
}

async function main(): Promise<void> {
  const duration = Number(values.duration);
  const ramp = values.rates
    ? values.rates.split(',').map(Number)
    : Array.from({ length: Number(values.steps) }, (_, i) =>
        Math.round((Number(values['peak-rate']) * (i + 1)) / Number(values.steps)),
      );
  const db = await createTestDatabase('bench_e2e');
  const prefix = testPrefix('bench-e2e');
  const sim = await spawnSimulator();
  const apiPort = await freePort();
  const workerPort = await freePort();
  const common = {
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    MIDTRANS_SERVER_KEY: SERVER_KEY,
    LOG_LEVEL: 'warn',
  };
  // --profile: the API and the worker run under node --cpu-prof (written when they exit), summed
  // by package and function afterwards (profile-summary.ts).
  const profileDir = `${REPO_ROOT}bench/results/e2e-prof-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const profiled = (name: string) =>
    values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${name}`] : [];
  const api = spawnApp(
    'apps/api/src/main.ts',
    {
      ...common,
      PORT: String(apiPort),
      HOST: '127.0.0.1',
    },
    profiled('api'),
  );
  const worker = spawnApp(
    'apps/worker/src/main.ts',
    {
      ...common,
      MIDTRANS_API_BASE_URL: sim.url,
      MIGRATE_ON_START: 'false',
      METRICS_PORT: String(workerPort),
      METRICS_HOST: '127.0.0.1',
      WORKER_CONCURRENCY: values.concurrency,
      ...(values['batch-max'] ? { NOTIFICATION_BATCH_MAX: values['batch-max'] } : {}),
      ...(values['batch-wait-ms'] ? { NOTIFICATION_BATCH_WAIT_MS: values['batch-wait-ms'] } : {}),
      // Confirmations only: the sweep would add its own calls.
      RECONCILE_ENABLED: 'false',
      MIDTRANS_RATE_LIMIT: '1000000',
    },
    profiled('worker'),
  );
  const redisPid = await redisServerPid();
  const ourBackends = new Set<number>();
  const label = (pid: number, comm: string): string | null => {
    if (pid === api.pid) {
      return 'API';
    }
    if (pid === worker.pid) {
      return 'worker';
    }
    if (pid === sim.pid) {
      return 'simulator';
    }
    if (pid === process.pid) {
      return 'load generator (bench)';
    }
    if (pid === redisPid || comm.startsWith('redis-server')) {
      return 'redis-server';
    }
    if (ourBackends.has(pid)) {
      return 'postgres backends of this database';
    }
    if (comm.startsWith('postgres')) {
      return 'postgres, other (shared server)';
    }
    return null;
  };
  const offer = createLoad(`http://127.0.0.1:${apiPort}/webhooks/midtrans`, Number(values.connections));
  const results: StepResult[] = [];
  let step = 0;
  const run = async (phase: string, rate: number, seconds: number): Promise<StepResult> => {
    const p = `S${step++}-`;
    const n = Math.round(rate * seconds);
    const codes = await seedOrders(db, p, n);
    const bodies = (await sim.prepare(p, codes)).map((b) => Buffer.from(b));
    // The worker's and the API's pools are open by now (the warm-up used them).
    const backends = await db.sql<{ pid: number }[]>`
      SELECT pid FROM pg_stat_activity WHERE datname = current_database()`;
    backends.forEach((b) => ourBackends.add(b.pid));
    return measure(db, { phase, prefix: p, rate, codes, bodies, offer, sampler: cpuSampler(label) });
  };
  try {
    await waitHttp(`http://127.0.0.1:${apiPort}/healthz`);
    await waitHttp(`http://127.0.0.1:${workerPort}/readyz`);
    await run('warm-up', 100, 5);
    if (!values['skip-fixed']) {
      results.push(await run('a) fixed', Number(values.rate), duration));
      print(results);
    }
    for (const rate of ramp) {
      const r = await run('b) peak', rate, duration);
      results.push(r);
      print(results);
      if (!r.keptUp) {
        break;
      }
    }
    report(results, { duration, ramp });
  } finally {
    worker.kill('SIGTERM');
    api.kill('SIGTERM');
    await Promise.all([once(worker, 'exit'), once(api, 'exit')]);
    await sim.stop();
    await deletePrefix(prefix);
    await db.drop();
  }
  if (values.profile) {
    for (const name of ['api', 'worker']) {
      for (const file of readdirSync(`${profileDir}/${name}`).filter((f) => f.endsWith('.cpuprofile'))) {
        console.log(`\n${name} (start-up included):`);
        printProfile(summarizeProfile(`${profileDir}/${name}/${file}`, {}, 30));
      }
    }
  }
}

async function redisServerPid(): Promise<number> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL);
  try {
    const info = await redis.info('server');
    return Number(/process_id:(\d+)/.exec(info)?.[1] ?? 0);
  } finally {
    redis.disconnect();
  }
}

async function measure(
  db: TestDatabase,
  s: {
    phase: string;
    prefix: string;
    rate: number;
    codes: string[];
    bodies: Buffer[];
    offer: ReturnType<typeof createLoad>;
    sampler: ReturnType<typeof cpuSampler>;
  },
): Promise<StepResult> {
  const sentAt = new Map<string, number>();
  let maxBacklog = 0;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      await sleep(1000);
      maxBacklog = Math.max(maxBacklog, sentAt.size - (await decided(db, s.prefix)));
    }
  })();
  s.sampler.start();
  const offered = await s.offer(s.codes, s.bodies, s.rate, sentAt);
  const cpu = s.sampler.stop();
  const decidedAtEnd = await decided(db, s.prefix);
  polling = false;
  await poll;
  const backlogAtEnd = offered.sent - decidedAtEnd;
  const drainStart = performance.now();
  let decidedNow = decidedAtEnd;
  while (decidedNow < offered.sent && performance.now() - drainStart < DRAIN_LIMIT_MS) {
    await sleep(200);
    decidedNow = await decided(db, s.prefix);
  }
  const drainSeconds = (performance.now() - drainStart) / 1000;
  const latencies = await appliedLatencies(db, s.prefix, sentAt);
  const offeredPerS = offered.sent / offered.seconds;
  return {
    phase: s.phase,
    targetPerS: s.rate,
    sent: offered.sent,
    decidedInPhase: decidedAtEnd,
    offeredPerS: Math.round(offeredPerS),
    appliedPerS: Math.round(decidedAtEnd / offered.seconds),
    backlogAtEnd,
    maxBacklog: Math.max(maxBacklog, backlogAtEnd),
    keptUp:
      offeredPerS >= 0.95 * s.rate &&
      offered.non200 + offered.errors === 0 &&
      backlogAtEnd <= Math.max(s.rate, 50),
    non200: offered.non200,
    errors: offered.errors,
    drainSeconds: Number(drainSeconds.toFixed(1)),
    undecidedAfterDrain: offered.sent - decidedNow,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? 0,
    cpu,
  };
}

function print(results: readonly StepResult[]): void {
  const last = results.at(-1)!;
  console.table(
    results.map(({ cpu: _cpu, ...r }) => ({
      ...r,
      keptUp: r.keptUp ? 'yes' : 'NO',
    })),
  );
  const per = (s: CpuShare, n: number) =>
    s.label === 'idle' || n === 0 ? '' : Math.round((s.cpuSeconds * 1e6) / n);
  console.log(
    `CPU during ${last.phase} at ${last.targetPerS}/s (${cpus().length} cores = ${cpus().length * 100}%):`,
  );
  console.table(
    last.cpu.map((s) => ({
      process: s.label,
      'CPU s': s.cpuSeconds,
      '% of one core': s.percentOfOneCore,
      'µs CPU per offered': per(s, last.sent),
      'µs CPU per decided in the phase': per(s, last.decidedInPhase),
    })),
  );
}

function report(results: readonly StepResult[], conditions: { duration: number; ramp: number[] }): void {
  const peak = results.filter((r) => r.phase.startsWith('b') && r.keptUp).at(-1) ?? null;
  const wall = results.at(-1)!;
  console.log(
    conditions.ramp.length === 0
      ? 'no ramp (--steps 0)'
      : peak
        ? `sustained peak: ${peak.targetPerS}/s for ${conditions.duration} s (applied ${peak.appliedPerS}/s, p99 ${peak.p99} ms)`
        : 'no step of the ramp kept up',
  );
  if (!wall.keptUp) {
    const share = (name: string) => wall.cpu.find((c) => c.label === name)?.percentOfOneCore ?? 0;
    const ours = wall.cpu.filter((c) => !['idle', 'other processes'].includes(c.label));
    console.log(
      `the wall, at ${wall.targetPerS}/s: applied ${wall.appliedPerS}/s; busiest of the pipeline: ` +
        ours
          .slice(0, 3)
          .map((c) => `${c.label} ${c.percentOfOneCore}%`)
          .join(', ') +
        `; other processes ${share('other processes')}%, idle ${share('idle')}% (of one core; ${cpus().length * 100}% in all)`,
    );
  }
  const result = {
    machine: `${process.platform} ${process.arch}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`,
    at: new Date().toISOString(),
    conditions: {
      ...conditions,
      worker: {
        concurrency: values.concurrency,
        batchMax: values['batch-max'] ?? null,
        batchWaitMs: values['batch-wait-ms'] ?? null,
      },
      connections: Number(values.connections),
    },
    sustainedPeakPerS: peak?.targetPerS ?? null,
    steps: results,
  };
  mkdirSync(`${REPO_ROOT}bench/results`, { recursive: true });
  const base = `${REPO_ROOT}bench/results/e2e-${result.at.replace(/[:.]/g, '-')}`;
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${base}.svg`, plot(results));
  console.log(`written ${base}.json and ${base}.svg`);
}

/** Offered and applied rate (bars, left axis) and p99 latency (line, right axis) per step. */
function plot(results: readonly StepResult[]): string {
  const W = 760;
  const H = 380;
  const left = 70;
  const right = 70;
  const top = 40;
  const bottom = 60;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const maxRate = Math.max(...results.map((r) => Math.max(r.targetPerS, r.appliedPerS)), 1) * 1.1;
  const maxP99 = Math.max(...results.map((r) => r.p99), 1) * 1.1;
  const slot = plotW / results.length;
  const y = (v: number, max: number) => top + plotH - (v / max) * plotH;
  const parts: string[] = [];
  results.forEach((r, i) => {
    const x = left + i * slot;
    const bw = slot * 0.3;
    parts.push(
      `<rect x="${x + slot * 0.15}" y="${y(r.offeredPerS, maxRate)}" width="${bw}" height="${top + plotH - y(r.offeredPerS, maxRate)}" fill="#9aa5b1"/>`,
      `<rect x="${x + slot * 0.15 + bw}" y="${y(r.appliedPerS, maxRate)}" width="${bw}" height="${top + plotH - y(r.appliedPerS, maxRate)}" fill="${r.keptUp ? '#2f80ed' : '#eb5757'}"/>`,
      `<text x="${x + slot / 2}" y="${top + plotH + 18}" text-anchor="middle">${r.phase.slice(0, 2)} ${r.targetPerS}/s</text>`,
    );
  });
  const line = results.map((r, i) => `${left + i * slot + slot / 2},${y(r.p99, maxP99)}`).join(' ');
  parts.push(`<polyline points="${line}" fill="none" stroke="#f2994a" stroke-width="3"/>`);
  results.forEach((r, i) =>
    parts.push(
      `<circle cx="${left + i * slot + slot / 2}" cy="${y(r.p99, maxP99)}" r="4" fill="#f2994a"/>`,
      `<text x="${left + i * slot + slot / 2}" y="${y(r.p99, maxP99) - 8}" text-anchor="middle" fill="#f2994a">${r.p99} ms</text>`,
    ),
  );
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(
    (f) =>
      `<text x="${left - 8}" y="${y(f * maxRate, maxRate) + 4}" text-anchor="end">${Math.round(f * maxRate)}</text>` +
      `<text x="${W - right + 8}" y="${y(f * maxP99, maxP99) + 4}">${Math.round(f * maxP99)}</text>` +
      `<line x1="${left}" x2="${W - right}" y1="${y(f * maxRate, maxRate)}" y2="${y(f * maxRate, maxRate)}" stroke="#eee"/>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="22" font-size="14">bench:e2e: offered (grey) vs applied (blue; red = did not keep up) per s, and p99 webhook → applied (orange, ms)</text>
${ticks.join('\n')}
${parts.join('\n')}
<text x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">notifications / s</text>
<text x="${W - 14}" y="${top + plotH / 2}" transform="rotate(90 ${W - 14} ${top + plotH / 2})" text-anchor="middle">p99 ms</text>
</svg>
`;
}

if (values.role === 'simulator') {
  await simulatorRole();
} else {
  await main();
}
