// After a payment is paid, reconciliation keeps watching it for a while: a reversal (settlement
// then deny) or a refund whose notification is lost is still found through Get Status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertPayment, readPayment, syncLogs } from '../harness/db.js';
import {
  chargedOrder,
  startReconcileSystem,
  TEST_ADMIN_TOKEN,
  type ReconcileSystem,
} from '../harness/reconcile.js';
import { waitFor } from '../harness/wait-for.js';

let rs: ReconcileSystem;

beforeAll(async () => {
  rs = await startReconcileSystem({
    label: 'watch',
    env: { RECONCILE_CADENCE_MS: '300,600', RECONCILE_PAID_WATCH_MS: '30000' },
    // A denied card may be retried under the same order id (a Snap retry).
    simOptions: { compat: { reusableAfter: ['expire', 'cancel', 'deny'] } },
  });
});
afterAll(async () => {
  await rs?.close();
});

const paid = async (code: string) =>
  waitFor(async () => (await readPayment(rs.system.db.sql, code))?.orderStatus === 'PAID', {
    what: `${code} PAID`,
  });

describe('the paid-payment watch', () => {
  it('finds a reversal whose deny notification was lost', async () => {
    // Mandiri bill: one of the methods where Midtrans documents settlement → deny.
    const order = await insertOrder(rs.system.db.sql, 'WATCH-REV-1');
    await insertPayment(rs.system.db.sql, order.orderId);
    await rs.sim.charge({
      payment_type: 'echannel',
      transaction_details: { order_id: 'WATCH-REV-1', gross_amount: 150000 },
    });
    await rs.sim.pay('WATCH-REV-1');
    await paid('WATCH-REV-1');
    rs.sim.faults.set({ drop: true }, { orderId: 'WATCH-REV-1' });
    await rs.sim.reverse('WATCH-REV-1');

    await waitFor(
      async () => (await readPayment(rs.system.db.sql, 'WATCH-REV-1'))?.orderStatus === 'PAYMENT_REVERSED',
      {
        timeoutMs: 10_000,
        what: 'reversal found by the watch',
      },
    );
    const applied = (await syncLogs(rs.system.db.sql, 'WATCH-REV-1')).filter((l) => l.outcome === 'applied');
    expect(applied).toEqual([
      // The settlement: by its notification, or by the sweep, which polls this payment every
      // 300 ms here (minimum age 0) and may confirm it first; one applied row either way.
      expect.objectContaining({
        syncType: expect.stringMatching(/^(webhook|reconcile)$/) as string,
        fromStatus: 'PENDING',
        toStatus: 'PAID',
        reversal: false,
      }),
      // The reversal, whose notification was dropped: only the watch can have found it.
      expect.objectContaining({
        syncType: 'reconcile',
        fromStatus: 'PAID',
        toStatus: 'DENIED',
        reversal: true,
      }),
    ]);
    // A final status ends the watch.
    const [row] = await rs.system.db.sql<{ watchUntil: Date | null }[]>`
      SELECT p.watch_until AS "watchUntil" FROM order_payments p JOIN orders o ON o.id = p.order_id
      WHERE o.order_code = 'WATCH-REV-1'`;
    expect(row?.watchUntil).toBeNull();
  });

  it('puts a paid payment on the ledger when Midtrans says it is no longer paid where no reversal is documented', async () => {
    await chargedOrder(rs, 'WATCH-NOTPAID-1');
    await rs.sim.pay('WATCH-NOTPAID-1');
    await paid('WATCH-NOTPAID-1');
    // A BCA VA has no documented reversal: Lunas does not move the money back by itself.
    rs.sim.faults.set({ drop: true }, { orderId: 'WATCH-NOTPAID-1' });
    await rs.sim.reverse('WATCH-NOTPAID-1');
    const kind = await waitFor(
      async () => {
        const [row] = await rs.system.db.sql<{ kind: string | null }[]>`
          SELECT p.mismatch_kind AS kind FROM order_payments p JOIN orders o ON o.id = p.order_id
          WHERE o.order_code = 'WATCH-NOTPAID-1'`;
        return row?.kind ?? null;
      },
      { timeoutMs: 10_000, what: 'mismatch found by the watch' },
    );
    expect(kind).toBe('paid_not_in_midtrans');
    expect(await readPayment(rs.system.db.sql, 'WATCH-NOTPAID-1')).toMatchObject({
      paymentStatus: 'PAID',
      orderStatus: 'PAID',
    });
    const res = await rs.system.api.inject({
      url: '/admin/payments/mismatches',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(res.json<{ mismatches: { orderCode: string; kind: string }[] }>().mismatches).toContainEqual(
      expect.objectContaining({ orderCode: 'WATCH-NOTPAID-1', kind: 'paid_not_in_midtrans' }),
    );
  });

  it("finds the order's next transaction when every notification of it was lost (a Snap retry after a deny)", async () => {
    const order = await insertOrder(rs.system.db.sql, 'WATCH-RETRY-1');
    await insertPayment(rs.system.db.sql, order.orderId);
    const card = (token_id: string) =>
      rs.sim.charge({
        payment_type: 'credit_card',
        transaction_details: { order_id: 'WATCH-RETRY-1', gross_amount: 150000 },
        credit_card: { token_id },
      });
    await card('4911111111111113');
    await waitFor(
      async () => (await readPayment(rs.system.db.sql, 'WATCH-RETRY-1'))?.paymentStatus === 'DENIED',
      {
        what: 'first card denied',
      },
    );
    rs.sim.faults.set({ drop: true }, { orderId: 'WATCH-RETRY-1' });
    await card('4411111111111118');
    // No notification of the retry arrives; the watched DENIED payment is checked by order id,
    // Get Status answers the retry's capture, and Lunas records its payment row.
    await paid('WATCH-RETRY-1');
    const rows = await rs.system.db.sql<{ status: string; source: string }[]>`
      SELECT p.payment_status AS status, p.source FROM order_payments p JOIN orders o ON o.id = p.order_id
      WHERE o.order_code = 'WATCH-RETRY-1' ORDER BY p.id`;
    expect(rows).toEqual([
      { status: 'DENIED', source: 'shop' },
      { status: 'PAID', source: 'lunas' },
    ]);
  });

  it('finds a refund whose notification was lost', async () => {
    const order = await insertOrder(rs.system.db.sql, 'WATCH-REF-1');
    await insertPayment(rs.system.db.sql, order.orderId);
    await rs.sim.charge({
      payment_type: 'gopay',
      transaction_details: { order_id: 'WATCH-REF-1', gross_amount: 150000 },
    });
    await rs.sim.pay('WATCH-REF-1');
    await paid('WATCH-REF-1');
    rs.sim.faults.set({ drop: true }, { orderId: 'WATCH-REF-1' });
    await rs.sim.refund('WATCH-REF-1');

    await waitFor(
      async () => (await readPayment(rs.system.db.sql, 'WATCH-REF-1'))?.paymentStatus === 'REFUNDED',
      {
        timeoutMs: 10_000,
        what: 'refund found by the watch',
      },
    );
    expect(await readPayment(rs.system.db.sql, 'WATCH-REF-1')).toMatchObject({ orderStatus: 'PAID' });
  });

  it('stops checking a paid payment once its watch is over', async () => {
    const system = rs.system;
    await chargedOrder(rs, 'WATCH-END-1');
    await rs.sim.pay('WATCH-END-1');
    await paid('WATCH-END-1');
    // Pretend the watch ran out; the next check ends it and the sweep no longer picks the row.
    await system.db.sql`
      UPDATE order_payments SET watch_until = now() - interval '1 second', next_check_at = now()
      WHERE order_id = (SELECT id FROM orders WHERE order_code = 'WATCH-END-1')`;
    await waitFor(
      async () => {
        const [row] = await system.db.sql<{ watchUntil: Date | null }[]>`
          SELECT watch_until AS "watchUntil" FROM order_payments
          WHERE order_id = (SELECT id FROM orders WHERE order_code = 'WATCH-END-1')`;
        return row !== undefined && row.watchUntil === null;
      },
      { timeoutMs: 10_000, what: 'watch ended' },
    );
  });
});
