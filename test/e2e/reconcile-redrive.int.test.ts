// The sweep's other duties: re-driving notifications that died waiting for their payment row,
// and flagging payments Midtrans has never heard of.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertPayment, readPayment, syncLogs } from '../harness/db.js';
import { startReconcileSystem, type ReconcileSystem } from '../harness/reconcile.js';
import { waitFor } from '../harness/wait-for.js';

let rs: ReconcileSystem;

beforeAll(async () => {
  rs = await startReconcileSystem({
    label: 'rcnredrive',
    // One attempt: a notification without its row dead-letters at once. A one-hour minimum
    // age keeps Get Status away from young payments, so the re-drive alone settles them.
    env: {
      NOTIFICATION_ATTEMPTS: '1',
      RECONCILE_MIN_AGE_MS: '3600000',
      RECONCILE_UNKNOWN_AFTER_MS: '86400000',
    },
  });
});
afterAll(async () => {
  await rs?.close();
});

describe('reconcile sweep', () => {
  it('re-drives a dead-lettered notification once its payment row exists', async () => {
    const order = await insertOrder(rs.system.db.sql, 'REDRIVE-1');
    await rs.sim.charge({
      payment_type: 'bank_transfer',
      transaction_details: { order_id: 'REDRIVE-1', gross_amount: 150000 },
      bank_transfer: { bank: 'bca' },
    });
    await rs.sim.pay('REDRIVE-1');
    await waitFor(async () => (await rs.system.queue.getFailedCount()) >= 2, {
      timeoutMs: 10_000,
      what: 'pending + settlement dead-lettered',
    });

    await insertPayment(rs.system.db.sql, order.orderId);
    await waitFor(async () => (await readPayment(rs.system.db.sql, 'REDRIVE-1'))?.orderStatus === 'PAID', {
      timeoutMs: 5_000,
      what: 'order PAID by the re-driven notification',
    });
    expect((await syncLogs(rs.system.db.sql, 'REDRIVE-1')).filter((l) => l.outcome === 'applied')).toEqual([
      expect.objectContaining({ syncType: 'webhook', toStatus: 'PAID' }),
    ]);
    expect(rs.system.logs.lines.some((l) => l.includes('dead-lettered notification re-driven'))).toBe(true);
  });

  it('flags a payment Midtrans does not know once it is past its expiry', async () => {
    const order = await insertOrder(rs.system.db.sql, 'GHOST-1');
    const paymentId = await insertPayment(rs.system.db.sql, order.orderId);
    await rs.system.db
      .sql`UPDATE order_payments SET created_at = now() - interval '2 days', next_check_at = now() - interval '1 minute' WHERE id = ${paymentId}`;
    const flagged = await waitFor(
      async () => {
        const [row] = await rs.system.db.sql<
          { kind: string | null }[]
        >`SELECT mismatch_kind AS kind FROM order_payments WHERE id = ${paymentId}`;
        return row?.kind ?? null;
      },
      { timeoutMs: 5_000, what: 'payment flagged' },
    );
    expect(flagged).toBe('unknown_to_midtrans');
    expect(
      rs.system.logs.lines.some((l) => l.includes('Midtrans does not know this payment past its expiry')),
    ).toBe(true);
    // ...and it is no longer polled (a Snap session nobody chose a method for stays unknown).
    const [due] = await rs.system.db.sql<{ stopped: boolean }[]>`
      SELECT next_check_at = 'infinity'::timestamptz AS stopped FROM order_payments WHERE id = ${paymentId}`;
    expect(due?.stopped).toBe(true);
    const res = await rs.system.api.inject({
      method: 'GET',
      url: '/admin/payments/mismatches',
      headers: { authorization: `Bearer ${rs.system.env().ADMIN_TOKEN ?? ''}` },
    });
    expect(res.json<{ mismatches: { orderCode: string; kind: string }[] }>().mismatches).toContainEqual(
      expect.objectContaining({ orderCode: 'GHOST-1', kind: 'unknown_to_midtrans' }),
    );
  });
});
