// Reconciliation end to end against the Midtrans simulator: the sweep finds open payments,
// Get Status answers, and the one state machine applies the answer (sync_type 'reconcile').
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPayment, syncLogs } from '../harness/db.js';
import { chargedOrder, startReconcileSystem, type ReconcileSystem } from '../harness/reconcile.js';
import { waitFor } from '../harness/wait-for.js';

let rs: ReconcileSystem;

beforeAll(async () => {
  rs = await startReconcileSystem({ label: 'rcn', env: { MIDTRANS_CIRCUIT_THRESHOLD: '3' } });
});
afterAll(async () => {
  await rs?.close();
});

const applied = async (orderCode: string) =>
  (await syncLogs(rs.system.db.sql, orderCode)).filter((l) => l.outcome === 'applied');

describe('scheduled reconciliation', () => {
  it('settles a payment whose settlement notification was dropped, within one sweep interval', async () => {
    await chargedOrder(rs, 'RCN-DROP-1');
    rs.sim.faults.set({ drop: true }, { orderId: 'RCN-DROP-1' });
    await rs.sim.pay('RCN-DROP-1');
    expect(
      rs.sim
        .deliveries('RCN-DROP-1')
        .some((d) => d.transactionStatus === 'settlement' && d.httpStatus === 200),
    ).toBe(false);

    await waitFor(async () => (await readPayment(rs.system.db.sql, 'RCN-DROP-1'))?.orderStatus === 'PAID', {
      timeoutMs: 5_000,
      what: 'order PAID through the sweep',
    });
    expect(await applied('RCN-DROP-1')).toEqual([
      expect.objectContaining({ syncType: 'reconcile', fromStatus: 'PENDING', toStatus: 'PAID' }),
    ]);
    // The check's bookkeeping is written just after the payment's transaction commits.
    const row = await waitFor(
      async () => {
        const [r] = await rs.system.db.sql<{ midtransStatus: string | null; checkCount: number }[]>`
          SELECT p.midtrans_status AS "midtransStatus", p.check_count AS "checkCount"
          FROM order_payments p JOIN orders o ON o.id = p.order_id WHERE o.order_code = 'RCN-DROP-1'`;
        return r?.midtransStatus ? r : null;
      },
      { what: 'check recorded' },
    );
    expect(row).toMatchObject({ midtransStatus: 'settlement' });
    expect(row?.checkCount).toBeGreaterThanOrEqual(1);
  });

  it('backs off while Get Status answers 5xx, opens the circuit, and recovers without losing a payment', async () => {
    const codes = ['RCN-5XX-1', 'RCN-5XX-2', 'RCN-5XX-3'];
    for (const code of codes) {
      await chargedOrder(rs, code);
      rs.sim.faults.set({ drop: true, statusApi: { respond: 503, durationMs: 3_000 } }, { orderId: code });
      await rs.sim.pay(code);
    }
    const callsBefore = rs.statusCalls.length;
    await waitFor(() => rs.system.logs.lines.some((l) => l.includes('Midtrans circuit opened')), {
      timeoutMs: 6_000,
      what: 'circuit opened',
    });
    for (const code of codes) {
      await waitFor(async () => (await readPayment(rs.system.db.sql, code))?.paymentStatus === 'PAID', {
        timeoutMs: 15_000,
        what: `${code} PAID after recovery`,
      });
      expect(await applied(code)).toEqual([
        expect.objectContaining({ syncType: 'reconcile', toStatus: 'PAID' }),
      ]);
    }
    expect(rs.system.logs.lines.some((l) => l.includes('Midtrans circuit closed'))).toBe(true);
    // Backed off: three payments over ~3 s of errors did not hammer Midtrans.
    expect(rs.statusCalls.length - callsBefore).toBeLessThan(40);
  });

  it('flags nothing and changes nothing for a payment still pending at Midtrans, and records the check', async () => {
    await chargedOrder(rs, 'RCN-PENDING-1');
    await waitFor(
      async () => (await syncLogs(rs.system.db.sql, 'RCN-PENDING-1')).some((l) => l.syncType === 'reconcile'),
      {
        timeoutMs: 5_000,
        what: 'a reconcile check logged',
      },
    );
    const logs = (await syncLogs(rs.system.db.sql, 'RCN-PENDING-1')).filter(
      (l) => l.syncType === 'reconcile',
    );
    expect(logs[0]).toMatchObject({ outcome: 'duplicate', fromStatus: 'PENDING', toStatus: 'PENDING' });
    expect(await readPayment(rs.system.db.sql, 'RCN-PENDING-1')).toMatchObject({ paymentStatus: 'PENDING' });
  });
});
