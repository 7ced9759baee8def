// The reverse mismatch (Lunas says paid, Midtrans does not) found by a manual sync, and dead
// letters whose cause is not a missing row (Midtrans unavailable) re-driven once it is gone,
// within a bound per job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertPayment, readPayment, syncLogs } from '../harness/db.js';
import { vaCharge } from '../harness/midtrans.js';
import { startReconcileSystem, TEST_ADMIN_TOKEN, type ReconcileSystem } from '../harness/reconcile.js';
import { waitFor } from '../harness/wait-for.js';

let rs: ReconcileSystem;
const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

beforeAll(async () => {
  rs = await startReconcileSystem({
    label: 'ledger',
    env: {
      NOTIFICATION_ATTEMPTS: '1',
      // Only the manual sync and the re-drive ask Midtrans about these young payments.
      RECONCILE_MIN_AGE_MS: '3600000',
      RECONCILE_REDRIVE_MAX_PER_JOB: '1',
      MIDTRANS_CIRCUIT_THRESHOLD: '100',
    },
  });
});
afterAll(async () => {
  await rs?.close();
});

const sync = (code: string) =>
  rs.system.api.inject({ method: 'POST', url: `/admin/orders/${code}/sync-payment`, headers: auth });
const mismatchOf = async (code: string) => {
  const [row] = await rs.system.db.sql<{ kind: string | null }[]>`
    SELECT p.mismatch_kind AS kind FROM order_payments p JOIN orders o ON o.id = p.order_id WHERE o.order_code = ${code}`;
  return row?.kind ?? null;
};

describe('Lunas says paid, Midtrans does not', () => {
  // A row marked PAID by hand (or by the unconfirmed notifications of an older Lunas).
  async function paidInDatabase(code: string) {
    const order = await insertOrder(rs.system.db.sql, code);
    const paymentId = await insertPayment(rs.system.db.sql, order.orderId);
    await rs.system.db
      .sql`UPDATE order_payments SET payment_status = 'PAID', paid_at = now() WHERE id = ${paymentId}`;
    await rs.system.db.sql`UPDATE orders SET status = 'PAID', paid_at = now() WHERE id = ${order.orderId}`;
  }

  it('manual sync reports a payment Midtrans says is pending as a mismatch, not as stale', async () => {
    await paidInDatabase('LEDGER-1');
    await vaCharge(rs.sim, 'LEDGER-1');
    const res = await sync('LEDGER-1');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      mismatch: 'paid_not_in_midtrans',
      midtransStatus: 'pending',
      to: 'PAID',
    });
    expect(await mismatchOf('LEDGER-1')).toBe('paid_not_in_midtrans');
    expect(await readPayment(rs.system.db.sql, 'LEDGER-1')).toMatchObject({ paymentStatus: 'PAID' });
  });

  it('manual sync reports a paid payment Midtrans does not know at once', async () => {
    await paidInDatabase('LEDGER-2');
    const res = await sync('LEDGER-2');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ outcome: 'not_found', mismatch: 'paid_not_in_midtrans' });
    const ledger = await rs.system.api.inject({ url: '/admin/payments/mismatches', headers: auth });
    expect(ledger.json<{ mismatches: { orderCode: string; kind: string }[] }>().mismatches).toContainEqual(
      expect.objectContaining({ orderCode: 'LEDGER-2', kind: 'paid_not_in_midtrans' }),
    );
  });
});

describe('dead letters of every cause', () => {
  it('re-drives a notification that died while Midtrans was unavailable, at most the bound per job', async () => {
    const order = await insertOrder(rs.system.db.sql, 'REDRIVE-MT-1');
    await insertPayment(rs.system.db.sql, order.orderId);
    await vaCharge(rs.sim, 'REDRIVE-MT-1');
    await waitFor(async () => (await syncLogs(rs.system.db.sql, 'REDRIVE-MT-1')).length === 1, {
      what: 'pending decided',
    });
    // Get Status answers 503 for a while: the settlement dead-letters after its one attempt.
    rs.sim.faults.set({ statusApi: { respond: 503 } });
    await rs.sim.pay('REDRIVE-MT-1');
    const failedReason = async () =>
      (await rs.system.queue.getFailed(0, 20)).find((j) => j.failedReason?.startsWith('Midtrans unavailable'))
        ?.failedReason;
    await waitFor(failedReason, { timeoutMs: 10_000, what: 'settlement dead-lettered' });
    // The sweep re-drives it (the circuit stays closed here); it dies again while Get Status
    // still fails, and is then left alone: the bound is one re-drive per job.
    await waitFor(
      () => rs.system.logs.lines.some((l) => l.includes('REDRIVE-MT-1') && l.includes('re-driven')),
      {
        timeoutMs: 10_000,
        what: 're-driven once',
      },
    );
    await waitFor(
      async () =>
        (await rs.system.queue.getFailed(0, 20)).some(
          (j) => (j.data as { redrives?: number }).redrives === 1 && j.finishedOn,
        ),
      {
        timeoutMs: 10_000,
        what: 'dead again after the re-drive',
      },
    );
    // Two more sweeps later it has not been re-driven again.
    const sweeps = () => rs.system.logs.lines.filter((l) => l.includes('reconcile sweep done')).length;
    const seen = sweeps();
    await waitFor(() => sweeps() >= seen + 2, { timeoutMs: 10_000, what: 'two more sweeps' });
    expect(
      rs.system.logs.lines.filter((l) => l.includes('REDRIVE-MT-1') && l.includes('re-driven')),
    ).toHaveLength(1);
    rs.sim.faults.clear();
    expect(await readPayment(rs.system.db.sql, 'REDRIVE-MT-1')).toMatchObject({ paymentStatus: 'PENDING' });
    // A manual sync (a person) still fixes the payment: nothing was lost.
    const res = await sync('REDRIVE-MT-1');
    expect(res.json()).toMatchObject({ updated: true, to: 'PAID' });
  });
});
