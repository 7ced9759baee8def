// Midtrans's truth, not the notification's word. Midtrans signs only order_id + status_code +
// gross_amount, so anyone holding one genuine body can edit the rest and keep a valid signature
// (docs/midtrans.md). Every edited body here leaves the state as Midtrans's Get Status says;
// jobs that did not come through the webhook route change nothing; real flows the old code
// lost (a Snap retry after a deny, refunds with amounts, a challenge approved) end right.
// The sweep is off in this file: only notifications, confirmed with Get Status, move payments.
import { JOBS } from '@lunas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertPayment, readPayment, syncLogs } from '../harness/db.js';
import { notificationOf, postNotification, vaCharge } from '../harness/midtrans.js';
import { startSystem, type TestSystem } from '../harness/system.js';
import { waitFor } from '../harness/wait-for.js';

let system: TestSystem;

beforeAll(async () => {
  system = await startSystem({
    label: 'truth',
    simNotifies: true,
    env: {
      RECONCILE_ENABLED: 'false',
      NOTIFICATION_BACKOFF_MS: '200',
      MIDTRANS_CIRCUIT_THRESHOLD: '3',
      MIDTRANS_CIRCUIT_COOLDOWN_MS: '1000',
    },
    // A card denied in Snap may be retried under the same order id (a new transaction).
    simOptions: { compat: { reusableAfter: ['expire', 'cancel', 'deny'] } },
  });
});
afterAll(async () => {
  await system.close();
});

const sql = () => system.db.sql;
const card = (orderId: string, number: string, amount = 150000) =>
  system.sim.charge({
    payment_type: 'credit_card',
    transaction_details: { order_id: orderId, gross_amount: amount },
    credit_card: { token_id: number },
  });
const gopay = (orderId: string, amount = 150000) =>
  system.sim.charge({
    payment_type: 'gopay',
    transaction_details: { order_id: orderId, gross_amount: amount },
  });
const ACCEPT_CARD = '4411111111111118';
const CHALLENGE_CARD = '4511111111111117';
const DENY_CARD = '4911111111111113';

async function orderWithRow(code: string, amount = '150000.00') {
  const order = await insertOrder(sql(), code, amount);
  await insertPayment(sql(), order.orderId);
  return order;
}
/** Waits until the system has decided n notifications of the order (sync log rows). */
const decided = (code: string, n: number) =>
  waitFor(async () => (await syncLogs(sql(), code)).length >= n, { what: `${n} results for ${code}` });
const status = async (code: string) => (await readPayment(sql(), code))?.paymentStatus;
const post = (body: Record<string, unknown>) => postNotification(system.webhookUrl, body);
const notified = async (code: string) =>
  sql()<{ notified: string | null; outcome: string; to: string | null }[]>`
    SELECT notified_status AS notified, outcome, to_status AS to FROM core_payment_sync_logs
    WHERE order_code = ${code} ORDER BY id`;

describe('edited replays of genuine notifications', () => {
  it('a pending body re-labelled as paid changes nothing: refused at ingest or confirmed as pending', async () => {
    await orderWithRow('EDIT-1');
    await vaCharge(system.sim, 'EDIT-1');
    await decided('EDIT-1', 1);
    // settlement cannot carry the pending body's signed status_code 201: refused at ingest.
    expect(
      (await post(notificationOf(system.sim, 'EDIT-1', { transaction_status: 'settlement' }))).status,
    ).toBe(400);
    // capture can (201 is its code while under review): queued, confirmed, still pending.
    expect((await post(notificationOf(system.sim, 'EDIT-1', { transaction_status: 'capture' }))).status).toBe(
      200,
    );
    await decided('EDIT-1', 2);
    expect(await readPayment(sql(), 'EDIT-1')).toMatchObject({
      paymentStatus: 'PENDING',
      orderStatus: 'PENDING',
    });
    expect((await notified('EDIT-1')).at(-1)).toMatchObject({
      notified: 'capture/accept',
      outcome: 'duplicate',
    });
  });

  it('a challenge edited to accept keeps the fraud review; the real approval applies within seconds', async () => {
    await orderWithRow('EDIT-2');
    await card('EDIT-2', CHALLENGE_CARD);
    await waitFor(async () => (await status('EDIT-2')) === 'CHALLENGE', { what: 'CHALLENGE' });
    const genuine = system.sim.deliveries('EDIT-2').at(-1)?.body;
    // Midtrans's published samples: capture + challenge is 201.
    expect(genuine).toMatchObject({
      transaction_status: 'capture',
      fraud_status: 'challenge',
      status_code: '201',
    });
    expect((await post({ ...genuine, fraud_status: 'accept' })).status).toBe(200);
    await decided('EDIT-2', 2);
    expect(await status('EDIT-2')).toBe('CHALLENGE');

    const approvedAt = Date.now();
    await system.sim.resolveChallenge('EDIT-2', 'accept');
    await waitFor(async () => (await readPayment(sql(), 'EDIT-2'))?.orderStatus === 'PAID', {
      timeoutMs: 5_000,
      what: 'PAID after the approval, sweep off',
    });
    expect(Date.now() - approvedAt).toBeLessThan(5_000);
    // ...and the approval is capture + accept with 200.
    expect(system.sim.deliveries('EDIT-2').at(-1)?.body).toMatchObject({
      fraud_status: 'accept',
      status_code: '200',
    });
  });

  it("an old attempt's expire edited to deny, echannel and the current transaction id leaves the paid order paid", async () => {
    await orderWithRow('EDIT-3');
    await vaCharge(system.sim, 'EDIT-3');
    await system.sim.expire('EDIT-3');
    await waitFor(async () => (await status('EDIT-3')) === 'EXPIRED', { what: 'first attempt expired' });
    const expired = system.sim.deliveries('EDIT-3').find((d) => d.transactionStatus === 'expire')?.body;
    // The customer pays under a new transaction; the shop inserted no row for it.
    const second = await vaCharge(system.sim, 'EDIT-3');
    await system.sim.pay(second.transaction_id);
    await waitFor(async () => (await readPayment(sql(), 'EDIT-3'))?.orderStatus === 'PAID', { what: 'PAID' });

    const forged = {
      ...expired,
      transaction_status: 'deny',
      payment_type: 'echannel',
      transaction_id: second.transaction_id,
    };
    const before = (await syncLogs(sql(), 'EDIT-3')).length;
    expect((await post(forged)).status).toBe(200);
    await decided('EDIT-3', before + 1);
    expect(await readPayment(sql(), 'EDIT-3')).toMatchObject({ paymentStatus: 'PAID', orderStatus: 'PAID' });
    expect((await syncLogs(sql(), 'EDIT-3')).filter((l) => l.reversal)).toEqual([]);
  });

  it('a settlement edited to refund or chargeback does not move the paid payment', async () => {
    await orderWithRow('EDIT-4');
    await card('EDIT-4', ACCEPT_CARD);
    await waitFor(async () => (await status('EDIT-4')) === 'PAID', { what: 'PAID' });
    const genuine = system.sim.deliveries('EDIT-4').at(-1)?.body;
    const before = (await syncLogs(sql(), 'EDIT-4')).length;
    expect(
      (await post({ ...genuine, transaction_status: 'refund', refund_amount: '150000.00' })).status,
    ).toBe(200);
    expect((await post({ ...genuine, transaction_status: 'chargeback' })).status).toBe(200);
    await decided('EDIT-4', before + 2);
    expect(await readPayment(sql(), 'EDIT-4')).toMatchObject({ paymentStatus: 'PAID', orderStatus: 'PAID' });
  });

  it('an edited transaction_id binds nothing, and the real notification still matches', async () => {
    await orderWithRow('EDIT-5');
    system.sim.faults.set({ drop: true, times: 2 }, { orderId: 'EDIT-5' });
    await vaCharge(system.sim, 'EDIT-5');
    await system.sim.pay('EDIT-5');
    const genuine = notificationOf(system.sim, 'EDIT-5');
    expect((await post({ ...genuine, transaction_id: 'made-up-transaction' })).status).toBe(200);
    // Get Status does not know the made-up id: after its bounded retries, rejected.
    await waitFor(async () => (await syncLogs(sql(), 'EDIT-5')).some((l) => l.outcome === 'rejected'), {
      timeoutMs: 15_000,
      what: 'made-up transaction rejected',
    });
    expect(await readPayment(sql(), 'EDIT-5')).toMatchObject({
      paymentStatus: 'PENDING',
      transactionId: null,
    });
    expect((await post(genuine)).status).toBe(200);
    await waitFor(async () => (await status('EDIT-5')) === 'PAID', { what: 'PAID by the genuine body' });
    expect(await readPayment(sql(), 'EDIT-5')).toMatchObject({ transactionId: genuine.transaction_id });
  });
});

describe('jobs that did not come through the webhook route', () => {
  it('change nothing and are logged at error level: unsealed, forged seal, or altered body', async () => {
    await orderWithRow('JOB-1');
    system.sim.faults.set({ drop: true, times: 2 }, { orderId: 'JOB-1' });
    await vaCharge(system.sim, 'JOB-1');
    await system.sim.pay('JOB-1');
    const { signature_key: _signature, ...unsigned } = notificationOf(system.sim, 'JOB-1');
    const raw = JSON.stringify(unsigned);
    const receivedAt = new Date().toISOString();
    const jobs = await Promise.all([
      system.queue.add(
        JOBS.processNotification,
        { rawBody: raw, receivedAt },
        { jobId: 'forged-1', attempts: 3 },
      ),
      system.queue.add(
        JOBS.processNotification,
        { rawBody: raw, receivedAt, seal: 'ab'.repeat(32) },
        { jobId: 'forged-2', attempts: 3 },
      ),
    ]);
    for (const job of jobs) {
      await waitFor(async () => (await system.queue.getJobState(job.id ?? '')) === 'failed', {
        what: `${job.id} failed`,
      });
      const failed = await system.queue.getJob(job.id ?? '');
      expect(failed?.failedReason).toMatch(/^permanent: /);
      expect(failed?.attemptsMade).toBe(1);
    }
    expect(await readPayment(sql(), 'JOB-1')).toMatchObject({
      paymentStatus: 'PENDING',
      orderStatus: 'PENDING',
    });
    expect(await syncLogs(sql(), 'JOB-1')).toEqual([]);
    expect(
      system.logs.lines.filter(
        (l) => l.includes('did not come through the webhook route') && l.includes('"level":50'),
      ).length,
    ).toBeGreaterThanOrEqual(2);
  });
});

describe('real Midtrans flows', () => {
  it('pays the order when the customer retries a denied card in Snap under a new transaction id', async () => {
    await orderWithRow('SNAP-1');
    await card('SNAP-1', DENY_CARD);
    await waitFor(async () => (await status('SNAP-1')) === 'DENIED', { what: 'first card denied' });
    await card('SNAP-1', ACCEPT_CARD);
    await waitFor(async () => (await readPayment(sql(), 'SNAP-1'))?.orderStatus === 'PAID', { what: 'PAID' });
    const rows = await sql()<{ status: string; source: string }[]>`
      SELECT p.payment_status AS status, p.source FROM order_payments p JOIN orders o ON o.id = p.order_id
      WHERE o.order_code = 'SNAP-1' ORDER BY p.id`;
    expect(rows).toEqual([
      { status: 'DENIED', source: 'shop' },
      { status: 'PAID', source: 'lunas' },
    ]);
  });

  it('a refund that arrives first (the settlement lost) leaves the order unpaid and on the ledger', async () => {
    await orderWithRow('RF-1');
    await gopay('RF-1');
    await decided('RF-1', 1);
    system.sim.faults.set({ drop: true, times: 1 }, { orderId: 'RF-1' });
    await system.sim.pay('RF-1');
    await system.sim.refund('RF-1');
    await waitFor(async () => (await status('RF-1')) === 'REFUNDED', { what: 'REFUNDED' });
    expect(await readPayment(sql(), 'RF-1')).toMatchObject({ orderStatus: 'PENDING' });
    const [row] = await sql()<{ mismatch: string }[]>`
      SELECT p.mismatch_kind AS mismatch FROM order_payments p JOIN orders o ON o.id = p.order_id WHERE o.order_code = 'RF-1'`;
    expect(row?.mismatch).toBe('refunded_unpaid');
    expect(
      system.logs.lines.some(
        (l) => l.includes('RF-1') && l.includes('refunded_unpaid') && l.includes('"level":50'),
      ),
    ).toBe(true);
  });

  it('partial refunds add up, one applied step each, with every refund and its bank confirmation recorded', async () => {
    await orderWithRow('RF-2');
    await gopay('RF-2');
    await system.sim.pay('RF-2');
    await waitFor(async () => (await status('RF-2')) === 'PAID', { what: 'PAID' });
    await system.sim.refund('RF-2', 5000, { refund_key: 'rf2-a', reason: 'one item' });
    await waitFor(async () => (await status('RF-2')) === 'PARTIALLY_REFUNDED', {
      what: 'first partial refund',
    });
    await system.sim.refund('RF-2', 3000, { refund_key: 'rf2-b', reason: 'another item' });
    const refunds = () =>
      sql()<{ key: string; amount: string; confirmed: boolean }[]>`
        SELECT r.refund_key AS key, r.amount::text AS amount, r.bank_confirmed_at IS NOT NULL AS confirmed
        FROM payment_refunds r JOIN order_payments p ON p.id = r.payment_id JOIN orders o ON o.id = p.order_id
        WHERE o.order_code = 'RF-2' ORDER BY r.id`;
    await waitFor(async () => (await refunds()).filter((r) => r.confirmed).length === 2, {
      what: 'both refunds recorded and bank-confirmed',
    });
    expect(await refunds()).toEqual([
      { key: 'rf2-a', amount: '5000.00', confirmed: true },
      { key: 'rf2-b', amount: '3000.00', confirmed: true },
    ]);
    const [payment] = await sql()<{ refunded: string }[]>`
      SELECT p.refunded_amount::text AS refunded FROM order_payments p JOIN orders o ON o.id = p.order_id WHERE o.order_code = 'RF-2'`;
    expect(payment?.refunded).toBe('8000.00');
    const applied = (await syncLogs(sql(), 'RF-2')).filter((l) => l.outcome === 'applied');
    expect(applied.map((l) => l.toStatus)).toEqual(['PAID', 'PARTIALLY_REFUNDED', 'PARTIALLY_REFUNDED']);
    expect(await readPayment(sql(), 'RF-2')).toMatchObject({ orderStatus: 'PAID' });
  });

  it('pays a Payment Link order: the link id plus a timestamp finds the order, and its transaction id is learnt from the first pending', async () => {
    await orderWithRow('LINK-1');
    const link = await system.sim.paymentLink({ order_id: 'LINK-1', gross_amount: 150000 });
    expect(link.order_id).toMatch(/^LINK-1-\d{13}$/);
    // The pending notification is confirmed (not skipped) so the row learns the transaction id:
    // Get Status by the shop's order code would not find a link payment later.
    await waitFor(async () => (await readPayment(sql(), 'LINK-1'))?.transactionId === link.transaction_id, {
      what: 'transaction id learnt from the pending notification',
    });
    await system.sim.pay(link.transaction_id);
    await waitFor(async () => (await readPayment(sql(), 'LINK-1'))?.orderStatus === 'PAID', { what: 'PAID' });
  });

  it('keeps a DANA payment pending when Get Status answers status_code 200 for it', async () => {
    await orderWithRow('DANA-1');
    const dana = await system.sim.charge({
      payment_type: 'dana',
      transaction_details: { order_id: 'DANA-1', gross_amount: 150000 },
    });
    await waitFor(async () => (await readPayment(sql(), 'DANA-1'))?.transactionId === dana.transaction_id, {
      what: 'DANA transaction id learnt (Get Status finds DANA by transaction id only)',
    });
    expect(system.sim.status(dana.transaction_id)).toMatchObject({
      transaction_status: 'pending',
      status_code: '200',
    });
    expect(await readPayment(sql(), 'DANA-1')).toMatchObject({
      paymentStatus: 'PENDING',
      orderStatus: 'PENDING',
    });
    await system.sim.pay(dana.transaction_id);
    await waitFor(async () => (await readPayment(sql(), 'DANA-1'))?.orderStatus === 'PAID', { what: 'PAID' });
  });

  it('waits while Get Status fails and then applies: nothing is lost', async () => {
    await orderWithRow('DOWN-1');
    await vaCharge(system.sim, 'DOWN-1');
    await decided('DOWN-1', 1);
    system.sim.faults.set({ statusApi: { respond: 503, count: 4 } });
    await system.sim.pay('DOWN-1');
    await waitFor(async () => (await status('DOWN-1')) === 'PAID', {
      timeoutMs: 20_000,
      what: 'PAID once Get Status answers',
    });
    const applied = (await syncLogs(sql(), 'DOWN-1')).filter((l) => l.outcome === 'applied');
    expect(applied).toHaveLength(1);
  });
});
