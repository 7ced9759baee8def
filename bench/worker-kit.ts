/**
 * Helpers of `npm run bench:worker` (bench/worker.ts): the fixture (orders, payment rows,
 * settled transactions at the simulator, sealed jobs queued straight into Redis the way the API
 * queues them), the bare one-transaction-per-notification baseline, worker processes from
 * sources, and CPU time of the processes that share the machine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { ingestNotification } from '@lunas/api';
import { JOBS, NOTIFICATION_RETRY_DEFAULTS, QUEUES, type NotificationJobData } from '@lunas/core';
import { createSql, type Sql } from '@lunas/db';
import { buildNotification, type Simulator } from '@lunas/simulator';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { REDIS_URL } from '../test/harness/redis.js';

export interface FixtureRow {
  readonly code: string;
  readonly orderId: string;
  readonly paymentId: string;
  /** The settlement notification Midtrans would send, signed. */
  readonly body: string;
}

/**
 * N orders with a pending payment row each, and N VA transactions at the simulator, settled, so
 * that Get Status answers `settlement` and each notification is one applied transition.
 */
export async function settledFixture(
  sql: Sql,
  sim: Simulator,
  serverKey: string,
  codePrefix: string,
  n: number,
): Promise<FixtureRow[]> {
  await sql`
    INSERT INTO orders (order_code, total_amount) SELECT ${codePrefix} || g, 150000 FROM generate_series(1, ${n}) g`;
  const rows = await sql<{ code: string; orderId: string; paymentId: string }[]>`
    INSERT INTO order_payments (order_id)
    SELECT id FROM orders WHERE starts_with(order_code, ${codePrefix})
    RETURNING id::text AS "paymentId", order_id::text AS "orderId",
      (SELECT order_code FROM orders o WHERE o.id = order_id) AS code`;
  const out: FixtureRow[] = [];
  for (const row of rows) {
    await sim.charge({
      payment_type: 'bank_transfer',
      transaction_details: { order_id: row.code, gross_amount: 150000 },
      bank_transfer: { bank: 'bca' },
    });
    const status = await sim.pay(row.code);
    const { status_code: _c, status_message: _m, signature_key: _s, ...fields } = status;
    out.push({ ...row, body: JSON.stringify(buildNotification({ ...fields }, serverKey)) });
  }
  return out;
}

/**
 * Queues one notification job per body on `prefix`, through the API's own ingestNotification
 * (verify, strip the signature, seal, job id and options), collected and added with addBulk so
 * that no HTTP and no API process is in the measurement. The queue is left paused: the workers
 * start and become ready first, then resume() starts the clock.
 */
export interface PausedQueue {
  readonly queue: Queue;
  close(): Promise<void>;
}

export async function queueSealedJobs(
  prefix: string,
  serverKey: string,
  bodies: readonly string[],
): Promise<PausedQueue> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.notifications, { connection: redis, prefix });
  await queue.pause();
  const jobs: { name: string; data: NotificationJobData; opts: Record<string, unknown> }[] = [];
  for (const body of bodies) {
    const outcome = await ingestNotification(
      {
        serverKey,
        retryPolicy: NOTIFICATION_RETRY_DEFAULTS,
        enqueue: (data, opts) => {
          jobs.push({ name: JOBS.processNotification, data, opts });
          return Promise.resolve();
        },
      },
      body,
    );
    if (outcome.kind !== 'accepted') {
      throw new Error(`ingest refused a fixture body: ${outcome.kind}`);
    }
  }
  for (let i = 0; i < jobs.length; i += 500) {
    await queue.addBulk(jobs.slice(i, i + 500));
  }
  return {
    queue,
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}

/**
 * The bare baseline: one transaction per notification on `connections` connections, no
 * Midtrans call: lock the payment, update it and its order, insert the audit row. open() makes
 * every connection first (so their backends can be watched); run() returns the seconds from the
 * first BEGIN to the last COMMIT.
 */
export async function openBare(url: string, connections: number) {
  const sql = createSql({ url, applicationName: 'lunas-bench-bare', max: connections });
  await Promise.all(Array.from({ length: connections }, () => sql`SELECT pg_sleep(0.01)`));
  return {
    async run(rows: readonly FixtureRow[]): Promise<number> {
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (next < rows.length) {
            await bareApply(sql, rows[next++]!);
          }
        }),
      );
      return (performance.now() - started) / 1000;
    },
    end: () => sql.end({ timeout: 5 }),
  };
}

async function bareApply(sql: Sql, row: FixtureRow): Promise<void> {
  const payload = JSON.parse(row.body) as Record<string, unknown>;
  const transactionId = String(payload.transaction_id);
  await sql.begin(async (tx) => {
    const [payment] = await tx<{ status: string }[]>`
      SELECT payment_status AS status FROM order_payments WHERE id = ${row.paymentId} FOR UPDATE`;
    await tx`
      UPDATE order_payments SET payment_status = 'PAID', transaction_id = ${transactionId},
        midtrans_order_id = ${row.code}, payment_method = 'bank_transfer', gross_amount = 150000,
        paid_at = now(), updated_at = now()
      WHERE id = ${row.paymentId}`;
    await tx`UPDATE orders SET status = 'PAID', paid_at = now(), updated_at = now() WHERE id = ${row.orderId}`;
    await tx`
      INSERT INTO core_payment_sync_logs (
        order_code, payment_id, sync_type, outcome, from_status, to_status,
        midtrans_transaction_status, midtrans_transaction_id, payload, job_id, notified_status, confirmation)
      VALUES (
        ${row.code}, ${row.paymentId}, 'webhook', 'applied', ${payment?.status ?? null}, 'PAID',
        'settlement', ${transactionId}, ${tx.json(payload as never)}, ${`bare-${row.paymentId}`},
        'settlement', ${tx.json(payload as never)})`;
  });
}

// ---------------------------------------------------------------------------------------------
// CPU time from /proc (Linux): utime + stime of each process, in clock ticks.

/** sysconf(_SC_CLK_TCK): 100 on every Linux this runs on (`getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100;

function cpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** Pids whose command name is `comm` (what pgrep -x matches). */
export function pidsNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) {
        pids.push(Number(entry));
      }
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Busy ticks of the whole machine (all cores), from /proc/stat. */
function machineBusyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
}

export type ProcessGroups = Record<string, readonly number[]>;

/**
 * CPU seconds of groups of processes between start() and stop(). Groups are re-read at stop()
 * (a postgres backend may appear meanwhile: it counts from 0). A pid in two groups counts in
 * the first.
 */
export class CpuSampler {
  private before = new Map<number, number>();
  private machineBefore = 0;
  private startedAt = 0;

  constructor(private readonly groups: () => Promise<ProcessGroups>) {}

  async start(): Promise<void> {
    const groups = await this.groups();
    this.before = new Map();
    for (const pid of Object.values(groups).flat()) {
      this.before.set(pid, cpuTicks(pid) ?? 0);
    }
    this.machineBefore = machineBusyTicks();
    this.startedAt = performance.now();
  }

  /**
   * Each group's share of the machine's cores over the window, in % (plus everything else and
   * the whole machine), and each group's CPU seconds.
   */
  async stop(cores: number): Promise<{ shares: Record<string, number>; cpuSeconds: Record<string, number> }> {
    const wallTicks = ((performance.now() - this.startedAt) / 1000) * TICKS_PER_SECOND * cores;
    const groups = await this.groups();
    const seen = new Set<number>();
    const shares: Record<string, number> = {};
    const cpuSeconds: Record<string, number> = {};
    for (const [name, pids] of Object.entries(groups)) {
      let ticks = 0;
      for (const pid of pids) {
        if (seen.has(pid)) {
          continue;
        }
        seen.add(pid);
        const now = cpuTicks(pid);
        if (now !== null) {
          ticks += now - (this.before.get(pid) ?? 0);
        }
      }
      shares[name] = round1((100 * ticks) / wallTicks);
      cpuSeconds[name] = ticks / TICKS_PER_SECOND;
    }
    const machine = round1((100 * (machineBusyTicks() - this.machineBefore)) / wallTicks);
    // Everything else on the machine (other work sharing it), and the whole machine.
    shares.other = round1(Math.max(0, machine - Object.values(shares).reduce((a, b) => a + b, 0)));
    shares.machine = machine;
    return { shares, cpuSeconds };
  }
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
