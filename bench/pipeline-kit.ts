/**
 * What the pipeline benchmarks share (`bench:confirm`, `bench:e2e`): the API and worker spawned
 * from sources as deployed, seeded orders with payment rows and simulator transactions, the
 * Midtrans notification of a transaction's current state, posting to the webhook, counting
 * decided notifications, and webhook → applied latency (the sync log row's created_at minus
 * the time the POST was sent).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { buildNotification, type Simulator } from '@lunas/simulator';
import { RUN_SOURCES } from '../scripts/run-sources.js';
import type { TestDatabase } from '../test/harness/db.js';
import { REPO_ROOT } from '../test/harness/system.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An app entry (`apps/api/src/main.ts`, …) run from sources with only `env` (and PATH). */
export function spawnApp(
  entry: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, ...RUN_SOURCES, entry], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Polls `url` until it answers 2xx, at most `timeoutMs`. */
export async function waitHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
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
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** Order codes `${prefix}1` … `${prefix}n`. */
export const orderCodes = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

/** N orders, each with a payment row, in one statement each. */
export async function seedOrders(db: TestDatabase, prefix: string, n: number): Promise<string[]> {
  await db.sql`
    INSERT INTO orders (order_code, total_amount) SELECT ${prefix} || g, 150000 FROM generate_series(1, ${n}) g`;
  await db.sql`
    INSERT INTO order_payments (order_id) SELECT id FROM orders WHERE order_code LIKE ${`${prefix}%`}`;
  return orderCodes(prefix, n);
}

/** A pending VA transaction at the simulator for each code. */
export async function chargeAll(sim: Simulator, codes: readonly string[]): Promise<void> {
  for (const code of codes) {
    await sim.charge({
      payment_type: 'bank_transfer',
      transaction_details: { order_id: code, gross_amount: 150000 },
      bank_transfer: { bank: 'bca' },
    });
  }
}

/** N orders with a payment row, and N pending VA transactions at the simulator. */
export async function fixture(
  db: TestDatabase,
  sim: Simulator,
  prefix: string,
  n: number,
): Promise<string[]> {
  const codes = await seedOrders(db, prefix, n);
  await chargeAll(sim, codes);
  return codes;
}

/** The notification Midtrans would send for the transaction's current state, signed. */
export function notificationOf(sim: Simulator, code: string, serverKey: string): string {
  const status = sim.status(code);
  if (!status) {
    throw new Error(`no transaction ${code}`);
  }
  const { status_code: _c, status_message: _m, signature_key: _s, ...fields } = status;
  return JSON.stringify(buildNotification({ ...fields }, serverKey));
}

export async function post(url: string, body: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (res.status !== 200) {
    throw new Error(`webhook answered ${res.status}`);
  }
  await res.arrayBuffer();
}

export async function postAll(url: string, bodies: string[], parallel = 32): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < bodies.length) {
        await post(url, bodies[next++]!);
      }
    }),
  );
}

/** Notifications decided (a sync log row of any outcome) for orders whose code starts with prefix. */
export async function decided(db: TestDatabase, prefix: string): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM core_payment_sync_logs WHERE order_code LIKE ${`${prefix}%`}`;
  return row?.n ?? 0;
}

/** Runs `start`, waits until n more notifications of `prefix` are decided; returns n per second. */
export async function drain(db: TestDatabase, prefix: string, n: number, start: () => void): Promise<number> {
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

/**
 * Webhook → applied latency of each applied notification of `prefix`, ascending: the sync log
 * row's created_at minus the time its POST was sent (`sentAt`, epoch ms by order code).
 */
export async function appliedLatencies(
  db: TestDatabase,
  prefix: string,
  sentAt: ReadonlyMap<string, number>,
): Promise<number[]> {
  const rows = await db.sql<{ code: string; at: Date }[]>`
    SELECT order_code AS code, created_at AS at FROM core_payment_sync_logs
    WHERE order_code LIKE ${`${prefix}%`} AND outcome = 'applied'`;
  return rows
    .filter((r) => sentAt.has(r.code))
    .map((r) => r.at.getTime() - sentAt.get(r.code)!)
    .sort((a, b) => a - b);
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

// ---------------------------------------------------------------------------------------------
// CPU per process, from /proc (Linux): who uses the cores while a phase runs.

const CLOCK_TICKS_PER_S = 100; // USER_HZ: 100 on every Linux the bench runs on (getconf CLK_TCK)

interface ProcSnapshot {
  readonly at: number;
  readonly procs: Map<number, { comm: string; ticks: number }>;
  /** Machine-wide busy and total ticks (all cores), from /proc/stat. */
  readonly busy: number;
  readonly total: number;
}

function snapshot(): ProcSnapshot {
  const procs = new Map<number, { comm: string; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      // After "pid (comm) ": state is field 0, utime 11, stime 12 (proc(5) fields 3, 14, 15).
      procs.set(Number(name), {
        comm: stat.slice(stat.indexOf('(') + 1, close),
        ticks: Number(fields[11]) + Number(fields[12]),
      });
    } catch {
      // the process exited between readdir and read
    }
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { at: performance.now(), procs, busy: total - idle, total };
}

/** CPU of each labelled group over a phase: seconds, and percent of one core. */
export interface CpuShare {
  readonly label: string;
  readonly cpuSeconds: number;
  readonly percentOfOneCore: number;
}

/**
 * Samples every process between start and stop. `label` names a process (by pid and command)
 * or returns null for "other"; the machine's busy and idle time are reported too, so what other
 * work on a shared machine took is visible as well.
 */
export function cpuSampler(label: (pid: number, comm: string) => string | null) {
  let first: ProcSnapshot | null = null;
  return {
    start(): void {
      first = snapshot();
    },
    stop(): CpuShare[] {
      if (!first) {
        throw new Error('cpuSampler.stop before start');
      }
      const last = snapshot();
      const wall = (last.at - first.at) / 1000;
      const byLabel = new Map<string, number>();
      let labelled = 0;
      for (const [pid, now] of last.procs) {
        const before = first.procs.get(pid);
        const ticks = now.ticks - (before && before.comm === now.comm ? before.ticks : 0);
        const name = label(pid, now.comm);
        if (name !== null && ticks > 0) {
          byLabel.set(name, (byLabel.get(name) ?? 0) + ticks);
          labelled += ticks;
        }
      }
      const cores = cpus().length;
      const machineTicks = last.total - first.total;
      // /proc/stat counts every core: its ticks per second are cores × USER_HZ.
      const busyTicks = ((last.busy - first.busy) / machineTicks) * wall * cores * CLOCK_TICKS_PER_S;
      const idleTicks = wall * cores * CLOCK_TICKS_PER_S - busyTicks;
      const rows: [string, number][] = [
        ...[...byLabel.entries()].sort((a, b) => b[1] - a[1]),
        ['other processes', Math.max(0, busyTicks - labelled)],
        ['idle', Math.max(0, idleTicks)],
      ];
      return rows.map(([name, ticks]) => ({
        label: name,
        cpuSeconds: Number((ticks / CLOCK_TICKS_PER_S).toFixed(2)),
        percentOfOneCore: Math.round((ticks / CLOCK_TICKS_PER_S / wall) * 100),
      }));
    },
  };
}
