// `npm run adopt` at cut-over, in adapter mode over a shop schema Lunas did not create: a
// payment that Midtrans settled while nobody was listening (paid there, PENDING in the shop) is
// found and recorded; a second run changes nothing. --dry-run writes nothing.
import { spawn } from 'node:child_process';
import { createFleetMidtrans, loadWorkerConfig } from '@lunas/worker';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_SOURCES } from '../../scripts/run-sources.js';
import { runAdopt, type AdoptSummary } from '../../scripts/adopt.js';
import { vaCharge } from '../harness/midtrans.js';
import { REDIS_URL } from '../harness/redis.js';
import { ADAPTER_ENV, insertShopOrder, readShopOrder, seedShop } from '../harness/shop.js';
import { REPO_ROOT, startSystem, type TestSystem } from '../harness/system.js';

let system: TestSystem;
let redis: Redis;

beforeAll(async () => {
  // No worker and no notifications: only adopt moves anything here.
  system = await startSystem({
    label: 'adopt',
    withWorker: false,
    seedDb: seedShop,
    env: { ...ADAPTER_ENV },
  });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const sql = system.db.sql;
  await insertShopOrder(sql, 'ADOPT-PAID');
  await insertShopOrder(sql, 'ADOPT-PEND');
  await insertShopOrder(sql, 'ADOPT-NONE');
  await insertShopOrder(sql, 'ADOPT-DONE');
  await sql`UPDATE public.orders SET state = 'paid' WHERE code = 'ADOPT-DONE'`;
  await insertShopOrder(sql, 'ADOPT-OLD');
  await sql`UPDATE public.orders SET created_at = now() - interval '30 days' WHERE code = 'ADOPT-OLD'`;
  const paid = await vaCharge(system.sim, 'ADOPT-PAID');
  await system.sim.pay(paid.transaction_id);
  await vaCharge(system.sim, 'ADOPT-PEND');
  const old = await vaCharge(system.sim, 'ADOPT-OLD');
  await system.sim.pay(old.transaction_id);
});
afterAll(async () => {
  redis.disconnect();
  await system.close();
});

const adopt = (dryRun: boolean): Promise<AdoptSummary> => {
  const config = loadWorkerConfig(system.env());
  const midtrans = createFleetMidtrans({ config, redis, logger: system.logs.logger });
  return runAdopt(
    { sql: system.db.sql, midtrans: midtrans.client, logger: system.logs.logger, shopOrders: 'adapter' },
    { sinceMs: 7 * 86_400_000, dryRun },
  );
};

/** Everything adopt could write: the shop's orders and every Lunas table that matters. */
async function snapshot(): Promise<unknown> {
  const sql = system.db.sql;
  return {
    shop: await sql`SELECT * FROM public.orders ORDER BY id`,
    mirror: await sql`SELECT * FROM orders ORDER BY id`,
    payments: await sql`SELECT * FROM order_payments ORDER BY id`,
    logs: await sql`SELECT id, order_code, outcome, to_status FROM core_payment_sync_logs ORDER BY id`,
  };
}

const expected = {
  listed: 4,
  notPaid: 0,
  failed: 0,
  skipped: 0,
};

describe('npm run adopt', () => {
  it('--dry-run (the CLI) reports what it would do and writes nothing', async () => {
    const before = await snapshot();
    const child = spawn(
      process.execPath,
      [...RUN_SOURCES, 'scripts/adopt.ts', '--since', '7d', '--dry-run'],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', ...system.env({ LOG_LEVEL: 'warn' }) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toContain('adopt (dry run: nothing written): 4 orders in the window');
    expect(out).toContain('found (paid at Midtrans, would be recorded): 1');
    expect(out).toContain('already paid: 1');
    expect(out).toContain('still pending: 1');
    expect(out).toContain('unknown to Midtrans: 1');
    expect(code).toBe(0);
    expect(await snapshot()).toEqual(before);
  });

  it('finds a paid-but-PENDING order and fixes it; a second run changes nothing', async () => {
    const first = await adopt(false);
    expect(first).toEqual({ ...expected, found: 1, alreadyPaid: 1, stillPending: 1, unknownToMidtrans: 1 });
    expect((await readShopOrder(system.db.sql, 'ADOPT-PAID'))?.state).toBe('paid');
    expect((await readShopOrder(system.db.sql, 'ADOPT-PEND'))?.state).toBe('pending');
    // Outside the window: not asked, still pending in the shop.
    expect((await readShopOrder(system.db.sql, 'ADOPT-OLD'))?.state).toBe('pending');
    // The pending transaction now has a payment row of Lunas's, which reconciliation follows.
    const rows = await system.db.sql<{ code: string; status: string; source: string }[]>`
      SELECT o.order_code AS code, p.payment_status AS status, p.source
      FROM order_payments p JOIN orders o ON o.id = p.order_id ORDER BY o.order_code`;
    expect(rows).toEqual([
      { code: 'ADOPT-PAID', status: 'PAID', source: 'lunas' },
      { code: 'ADOPT-PEND', status: 'PENDING', source: 'lunas' },
    ]);

    const before = await snapshot();
    const second = await adopt(false);
    expect(second).toEqual({ ...expected, found: 0, alreadyPaid: 2, stillPending: 1, unknownToMidtrans: 1 });
    expect(await snapshot()).toEqual(before);
  });
});
