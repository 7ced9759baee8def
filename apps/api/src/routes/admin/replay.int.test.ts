/**
 * POST /admin/replay and npm run replay against the real system. The shop's database is
 * "restored from a backup" that predates a payment (its row back to PENDING, its audit rows
 * gone); the dry run reports the repair and changes nothing; the real replay converges through
 * the reconcile queue; replaying again is a no-op.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildApp, createApiDeps, loadApiConfig } from '@lunas/api';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertPayment, readPayment } from '../../../../../test/harness/db.js';
import { TEST_ADMIN_TOKEN } from '../../../../../test/harness/reconcile.js';
import { REPO_ROOT, startSystem, type TestSystem } from '../../../../../test/harness/system.js';
import { waitFor } from '../../../../../test/harness/wait-for.js';
import { RUN_SOURCES } from '../../../../../scripts/run-sources.js';

const run = promisify(execFile);

interface Item {
  orderCode: string;
  paymentId: string | null;
  from: string | null;
  to: string | null;
  grossAmount: string | null;
  midtransStatus: string | null;
  change: string;
  sources: string[];
}

describe('replay', () => {
  let system: TestSystem;
  let api: FastifyInstance;
  let apiUrl: string;
  const t0 = new Date(Date.now() - 60_000).toISOString();

  const paidOrder = async (orderCode: string, amount: number) => {
    const order = await insertOrder(system.db.sql, orderCode, `${amount}.00`);
    const paymentId = await insertPayment(system.db.sql, order.orderId);
    await system.sim.charge({
      payment_type: 'bank_transfer',
      transaction_details: { order_id: orderCode, gross_amount: amount },
      bank_transfer: { bank: 'bca' },
    });
    await system.sim.pay(orderCode);
    await waitFor(async () => (await readPayment(system.db.sql, orderCode))?.paymentStatus === 'PAID', {
      what: `${orderCode} paid`,
      timeoutMs: 20_000,
    });
    return paymentId;
  };

  beforeAll(async () => {
    system = await startSystem({ label: 'rpl', simNotifies: true });
    const config = loadApiConfig(
      system.env({ PORT: '0', ADMIN_TOKEN: TEST_ADMIN_TOKEN, REPLAY_WAIT_MS: '15000' }),
    );
    api = await buildApp(config, createApiDeps(config, system.logs.logger), system.logs.logger);
    apiUrl = await api.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await api?.close();
    await system?.close();
  });

  const replay = (body: Record<string, unknown>) =>
    api.inject({
      method: 'POST',
      url: '/admin/replay',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      payload: body,
    });

  it('after a restore, the dry run reports the diff and changes nothing; the replay converges; again is a no-op', async () => {
    const restored = await paidOrder('RPL-RESTORED-1', 150000);
    const untouched = await paidOrder('RPL-OK-1', 90000);
    // The restore: the backup was taken before the payment was applied.
    await system.db.sql.begin(async (tx) => {
      await tx`DELETE FROM core_payment_sync_logs WHERE payment_id = ${restored}`;
      await tx`DELETE FROM payment_refunds WHERE payment_id = ${restored}`;
      await tx`UPDATE order_payments SET payment_status = 'PENDING', paid_at = NULL, transaction_id = NULL WHERE id = ${restored}`;
      await tx`UPDATE orders SET status = 'PENDING', paid_at = NULL WHERE order_code = 'RPL-RESTORED-1'`;
    });
    const to = new Date(Date.now() + 60_000).toISOString();

    const dry = await replay({ from: t0, to, dryRun: true, reason: 'restore drill: see the effect first' });
    expect(dry.statusCode).toBe(200);
    const dryItems = dry.json<{ items: Item[]; dryRun: boolean }>().items;
    expect(dryItems.find((i) => i.paymentId === restored)).toMatchObject({
      orderCode: 'RPL-RESTORED-1',
      from: 'PENDING',
      to: 'PAID',
      grossAmount: '150000.00',
      midtransStatus: 'settlement',
      change: 'apply',
    });
    expect(dryItems.find((i) => i.paymentId === untouched)).toMatchObject({
      from: 'PAID',
      to: 'PAID',
      change: 'none',
    });
    // Nothing changed.
    expect(await readPayment(system.db.sql, 'RPL-RESTORED-1')).toMatchObject({
      paymentStatus: 'PENDING',
      orderStatus: 'PENDING',
    });
    const [logs] = await system.db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM core_payment_sync_logs WHERE payment_id = ${restored}`;
    expect(logs?.n).toBe(0);

    const real = await replay({ from: t0, to, dryRun: false, reason: 'restore drill: apply' });
    expect(real.statusCode).toBe(200);
    const realItems = real.json<{ items: Item[] }>().items;
    expect(realItems.find((i) => i.paymentId === restored)).toMatchObject({
      from: 'PENDING',
      to: 'PAID',
      change: 'apply',
    });
    expect(realItems.find((i) => i.paymentId === untouched)).toMatchObject({ change: 'none' });
    expect(await readPayment(system.db.sql, 'RPL-RESTORED-1')).toMatchObject({
      paymentStatus: 'PAID',
      orderStatus: 'PAID',
    });

    const again = await replay({ from: t0, to, dryRun: false, reason: 'restore drill: again' });
    expect(again.json<{ items: Item[] }>().items.every((i) => i.change === 'none')).toBe(true);
    const [applied] = await system.db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM core_payment_sync_logs WHERE payment_id = ${restored} AND outcome = 'applied'`;
    expect(applied?.n).toBe(1);

    const audit = await system.db.sql<{ action: string; actor: string; reason: string }[]>`
      SELECT action, actor, reason FROM admin_audit WHERE action LIKE 'replay.%' ORDER BY id`;
    expect(audit).toEqual([
      { action: 'replay.dry_run', actor: 'bearer', reason: 'restore drill: see the effect first' },
      { action: 'replay.run', actor: 'bearer', reason: 'restore drill: apply' },
      { action: 'replay.run', actor: 'bearer', reason: 'restore drill: again' },
    ]);
  });

  it('finds a payment the restored database lost entirely, from the stored notifications', async () => {
    const gone = await paidOrder('RPL-GONE-1', 42000);
    const [row] = await system.db.sql<{ transaction_id: string }[]>`
      SELECT transaction_id FROM order_payments WHERE id = ${gone}`;
    // The backup predates the order itself.
    await system.db.sql.begin(async (tx) => {
      await tx`DELETE FROM core_payment_sync_logs WHERE order_code = 'RPL-GONE-1'`;
      await tx`DELETE FROM payment_refunds WHERE payment_id = ${gone}`;
      await tx`DELETE FROM order_payments WHERE id = ${gone}`;
      await tx`DELETE FROM orders WHERE order_code = 'RPL-GONE-1'`;
    });
    const dry = await replay({
      from: t0,
      to: new Date(Date.now() + 60_000).toISOString(),
      orderCode: 'RPL-GONE-1',
      dryRun: true,
      reason: 'what did the restore lose?',
    });
    expect(dry.statusCode).toBe(200);
    expect(dry.json<{ items: Item[] }>().items).toEqual([
      expect.objectContaining({
        orderCode: 'RPL-GONE-1',
        paymentId: null,
        transactionId: row?.transaction_id,
        sources: ['notifications'],
        to: 'PAID',
        grossAmount: '42000.00',
        midtransStatus: 'settlement',
        change: 'order_missing',
      }),
    ]);

    // The real replay re-drives the stored notification; it waits for the row like any early
    // notification, and once the shop re-creates its order and row, the payment converges.
    const real = await replay({
      from: t0,
      to: new Date(Date.now() + 60_000).toISOString(),
      orderCode: 'RPL-GONE-1',
      dryRun: false,
      reason: 'redrive what the restore lost',
    });
    const [item] = real.json<{ items: (Item & { jobId: string })[] }>().items;
    expect(item).toMatchObject({ paymentId: null, change: 'queued' });
    expect(item?.jobId).toMatch(/^rpl-/);
    const order = await insertOrder(system.db.sql, 'RPL-GONE-1', '42000.00');
    await insertPayment(system.db.sql, order.orderId);
    const paid = await waitFor(
      async () => {
        const view = await readPayment(system.db.sql, 'RPL-GONE-1');
        return view?.paymentStatus === 'PAID' ? view : null;
      },
      { what: 'RPL-GONE-1 paid again', timeoutMs: 20_000 },
    );
    expect(paid).toMatchObject({ orderStatus: 'PAID', transactionId: row?.transaction_id });
  });

  it('requires a reason and a sane window, and an admin', async () => {
    const to = new Date().toISOString();
    const noReason = await replay({ from: t0, to, dryRun: true });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json<{ error: { message: string } }>().error.message).toContain('reason');
    const backwards = await replay({ from: to, to: t0, dryRun: true, reason: 'x' });
    expect(backwards.statusCode).toBe(400);
    const anonymous = await api.inject({
      method: 'POST',
      url: '/admin/replay',
      payload: { from: t0, to, reason: 'x' },
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('npm run replay -- --dry-run prints the diff for one order', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        ...RUN_SOURCES,
        'scripts/replay.ts',
        '--from',
        t0,
        '--to',
        new Date(Date.now() + 60_000).toISOString(),
        '--order',
        'RPL-OK-1',
        '--dry-run',
        '--reason',
        'cli check',
      ],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', ADMIN_TOKEN: TEST_ADMIN_TOKEN, LUNAS_API_URL: apiUrl },
      },
    );
    expect(stdout).toContain('dry run: nothing changed');
    expect(stdout).toMatch(/none\s+RPL-OK-1 payment \d+: PAID → PAID amount 90000.00/);
  });
});
