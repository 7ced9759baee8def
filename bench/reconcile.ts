/**
 * `npx tsx bench/reconcile.ts [--sizes 10000,100000] [--concurrency 32]`
 * (root script to add: "bench:reconcile": "tsx bench/reconcile.ts")
 *
 * For each size N: a fresh database with N open payments all due, a Midtrans simulator that
 * knows all N (pending), and one worker process (apps/worker/src/main.ts, as deployed) with the
 * rate limit lifted. Measures
 *   - the sweep: rows read and enqueued per second (from its "reconcile sweep done" log line);
 *   - end to end: payments checked (Get Status + state machine + bookkeeping) per second;
 *   - the worker process's RSS (sampled from /proc, peak = VmHWM) and the heap it reports.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createSimulator } from '@lunas/simulator';
import { createTestDatabase } from '../test/harness/db.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../test/harness/redis.js';
import { REPO_ROOT } from '../test/harness/system.js';
import { RUN_SOURCES } from '../scripts/run-sources.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    concurrency: { type: 'string', default: '32' },
  },
});
const SERVER_KEY = 'SB-Mid-server-bench-reconcile-0000';

async function procStatus(pid: number): Promise<{ rssMb: number; hwmMb: number }> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

async function runSize(n: number): Promise<void> {
  const db = await createTestDatabase('bench_rcn');
  const prefix = testPrefix('bench-rcn');
  const sim = await createSimulator({ serverKey: SERVER_KEY, logger: false });
  const simUrl = await sim.listen({ port: 0, host: '127.0.0.1' });
  try {
    // 1. Fixture: N orders, N open payments due an hour ago (trigger off: bulk load).
    const t0 = Date.now();
    await db.sql`ALTER TABLE order_payments DISABLE TRIGGER lunas_payment_inserted`;
    await db.sql`INSERT INTO orders (order_code, total_amount, created_at) SELECT 'BR-' || g, 150000, now() - interval '2 hours' FROM generate_series(1, ${n}) g`;
    await db.sql`
      INSERT INTO order_payments (order_id, created_at, next_check_at)
      SELECT id, now() - interval '2 hours', now() - interval '1 hour' FROM orders`;
    await db.sql`ANALYZE order_payments`;
    for (let i = 1; i <= n; i += 1) {
      await sim.charge({
        payment_type: 'bank_transfer',
        transaction_details: { order_id: `BR-${i}`, gross_amount: 150000 },
        bank_transfer: { bank: 'bca' },
      });
    }
    console.log(`[${n}] fixture ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // 2. One worker process, rate limit lifted, every payment checked once.
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: db.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      MIDTRANS_SERVER_KEY: SERVER_KEY,
      MIDTRANS_API_BASE_URL: simUrl,
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'info',
      METRICS_PORT: '0',
      MIDTRANS_RATE_LIMIT: '1000000',
      RECONCILE_EVERY_MS: '3600000',
      RECONCILE_MIN_AGE_MS: '0',
      RECONCILE_MAX_PER_SWEEP: String(n),
      RECONCILE_PAGE_SIZE: '1000',
      RECONCILE_CONCURRENCY: values.concurrency,
      RECONCILE_CADENCE_MS: '86400000',
      RECONCILE_REDRIVE_LIMIT: '0',
    };
    const started = Date.now();
    const child = spawn(process.execPath, [...RUN_SOURCES, 'apps/worker/src/main.ts'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let sweep: { scheduled: number; ms: number } | null = null;
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.includes('reconcile sweep done')) {
          sweep = JSON.parse(line) as { scheduled: number; ms: number };
        }
      }
    });
    let peakRss = 0;
    const sampler = setInterval(() => {
      void procStatus(child.pid ?? 0).then((s) => {
        peakRss = Math.max(peakRss, s.rssMb);
      });
    }, 200);
    let checked = 0;
    while (checked < n) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const [row] = await db.sql<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM order_payments WHERE check_count > 0`;
      checked = row?.n ?? 0;
      if (Date.now() - started > 30 * 60_000) {
        throw new Error('bench did not finish in 30 minutes');
      }
    }
    const elapsedS = (Date.now() - started) / 1000;
    clearInterval(sampler);
    const { hwmMb } = await procStatus(child.pid ?? 0);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    const s = sweep as { scheduled: number; ms: number } | null;
    console.log(
      JSON.stringify({
        payments: n,
        sweepEnqueued: s?.scheduled,
        sweepSeconds: s ? s.ms / 1000 : null,
        sweepRowsPerSecond: s ? Math.round((s.scheduled / s.ms) * 1000) : null,
        endToEndSeconds: Number(elapsedS.toFixed(1)),
        checkedPerSecond: Math.round(n / elapsedS),
        workerPeakRssMb: Math.round(Math.max(peakRss, hwmMb)),
        benchProcessHeapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
      }),
    );
  } finally {
    await sim.close();
    await deletePrefix(prefix);
    await db.drop();
  }
}

for (const n of values.sizes.split(',').map(Number)) {
  await runSize(n);
}
