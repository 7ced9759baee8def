// The admin API: the "Sync Payment Status" button, stuck payments and the mismatch ledger,
// against a real worker and the Midtrans simulator. The sweep is slowed right down so only
// the manual sync talks to Midtrans here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPayment, syncLogs } from '../../../../../test/harness/db.js';
import {
  chargedOrder,
  startReconcileSystem,
  TEST_ADMIN_TOKEN,
  type ReconcileSystem,
} from '../../../../../test/harness/reconcile.js';

let rs: ReconcileSystem;
const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

beforeAll(async () => {
  rs = await startReconcileSystem({
    label: 'admin',
    env: {
      RECONCILE_EVERY_MS: '3600000',
      RECONCILE_MIN_AGE_MS: '3600000',
      MANUAL_SYNC_WAIT_MS: '1500',
      MIDTRANS_TIMEOUT_MS: '3000',
    },
  });
});
afterAll(async () => {
  await rs?.close();
});

const sync = (orderCode: string, headers: Record<string, string> = auth) =>
  rs.system.api.inject({ method: 'POST', url: `/admin/orders/${orderCode}/sync-payment`, headers });

describe('POST /admin/orders/:orderCode/sync-payment', () => {
  it('applies what Midtrans knows and says so (updated)', async () => {
    await chargedOrder(rs, 'ADM-PAID');
    rs.sim.faults.set({ drop: true }, { orderId: 'ADM-PAID' });
    await rs.sim.pay('ADM-PAID');
    const res = await sync('ADM-PAID');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      updated: true,
      from: 'PENDING',
      to: 'PAID',
      midtransStatus: 'settlement',
    });
    expect(await readPayment(rs.system.db.sql, 'ADM-PAID')).toMatchObject({ orderStatus: 'PAID' });
    expect((await syncLogs(rs.system.db.sql, 'ADM-PAID')).filter((l) => l.outcome === 'applied')).toEqual([
      expect.objectContaining({ syncType: 'manual', toStatus: 'PAID' }),
    ]);
  });

  it('reports an unchanged payment (updated false) and logs it as a duplicate', async () => {
    await chargedOrder(rs, 'ADM-SAME');
    const res = await sync('ADM-SAME');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      updated: false,
      from: 'PENDING',
      to: 'PENDING',
      midtransStatus: 'pending',
      outcome: 'duplicate',
    });
    expect(
      (await syncLogs(rs.system.db.sql, 'ADM-SAME')).some(
        (l) => l.syncType === 'manual' && l.outcome === 'duplicate',
      ),
    ).toBe(true);
  });

  it('answers 404 for an unknown order', async () => {
    const res = await sync('ADM-NOPE');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'LUNAS_ERR_NOT_FOUND' } });
  });

  it('answers 202 with the job id when Midtrans does not answer in time', async () => {
    await chargedOrder(rs, 'ADM-SLOW');
    rs.sim.faults.set({ statusApi: { respond: 'hang', hangMs: 2_500, count: 1 } }, { orderId: 'ADM-SLOW' });
    const res = await sync('ADM-SLOW');
    expect(res.statusCode).toBe(202);
    expect(res.json<{ jobId: string }>().jobId).toMatch(/^man-/);
  });

  it('answers 401 without the token or with a wrong one, in the standard error shape', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token-wrong-token-wrong-token' },
      { authorization: TEST_ADMIN_TOKEN },
    ]) {
      const res = await sync('ADM-PAID', headers);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({
        error: { code: 'LUNAS_ERR_UNAUTHORIZED', requestId: expect.any(String) as string },
      });
    }
  });
});

describe('GET /admin/payments/stuck and /admin/payments/mismatches', () => {
  it('lists PENDING payments past the threshold with code, amount and age', async () => {
    await chargedOrder(rs, 'ADM-OLD', 99000);
    await rs.system.db.sql`
      UPDATE order_payments SET created_at = now() - interval '2 hours'
      WHERE order_id = (SELECT id FROM orders WHERE order_code = 'ADM-OLD')`;
    const res = await rs.system.api.inject({
      method: 'GET',
      url: '/admin/payments/stuck?olderThanMinutes=30',
      headers: auth,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ payments: { orderCode: string; amount: string; ageSeconds: number }[] }>();
    expect(body.payments.map((p) => p.orderCode)).toEqual(['ADM-OLD']);
    expect(body.payments[0]).toMatchObject({ amount: '99000.00' });
    expect(body.payments[0]?.ageSeconds).toBeGreaterThanOrEqual(7190);

    const bad = await rs.system.api.inject({
      method: 'GET',
      url: '/admin/payments/stuck?limit=100000',
      headers: auth,
    });
    expect(bad.statusCode).toBe(400);
  });

  it('puts money Midtrans holds that we refused (wrong amount) on the ledger', async () => {
    // The order says 150000; Midtrans settled 149000.
    const order = await chargedOrder(rs, 'ADM-AMT', 150000);
    await rs.system.db.sql`UPDATE orders SET total_amount = 149000 WHERE id = ${order.orderId}`;
    rs.sim.faults.set({ drop: true }, { orderId: 'ADM-AMT' });
    await rs.sim.pay('ADM-AMT');
    const res = await sync('ADM-AMT');
    expect(res.json()).toMatchObject({ updated: false, outcome: 'rejected', midtransStatus: 'settlement' });

    const ledger = await rs.system.api.inject({
      method: 'GET',
      url: '/admin/payments/mismatches',
      headers: auth,
    });
    expect(ledger.statusCode).toBe(200);
    const rows = ledger.json<{ mismatches: { orderCode: string; kind: string; amountAtRisk: string }[] }>()
      .mismatches;
    expect(rows).toContainEqual(
      expect.objectContaining({ orderCode: 'ADM-AMT', kind: 'amount_rejected', amountAtRisk: '150000.00' }),
    );
  });
});
