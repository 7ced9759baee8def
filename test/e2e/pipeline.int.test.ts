// The core pipeline end to end: the Midtrans simulator charges and settles, its signed
// notifications hit the real API over HTTP, and an in-process worker applies them to Postgres.
import { buildNotification, sendNotification, type Simulator } from '@lunas/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertPayment, readPayment, syncLogs } from '../harness/db.js';
import { TEST_SERVER_KEY } from '../harness/notifications.js';
import { startSystem, type TestSystem } from '../harness/system.js';
import { waitFor } from '../harness/wait-for.js';

let system: TestSystem;
let sim: Simulator;

beforeAll(async () => {
  // A 10 s first backoff: if a notification waiting for its payment row is applied within a
  // few seconds of the insert, the fast path did it, not the backoff.
  system = await startSystem({
    label: 'e2e',
    env: { NOTIFICATION_BACKOFF_MS: '10000' },
    simNotifies: true,
  });
  sim = system.sim;
});
afterAll(async () => {
  await system.close();
});

const chargeVa = (orderId: string, amount = 150000) =>
  sim.charge({
    payment_type: 'bank_transfer',
    transaction_details: { order_id: orderId, gross_amount: amount },
    bank_transfer: { bank: 'bca' },
  });

const delivered = (orderId: string, status: string) =>
  sim.deliveries(orderId).some((d) => d.transactionStatus === status && d.httpStatus === 200);

const applied = async (orderCode: string) =>
  (await syncLogs(system.db.sql, orderCode)).filter((l) => l.outcome === 'applied');

describe('the incident: settlement arrives before the payment row is committed', () => {
  it('applies the settlement within seconds of the row insert, with one applied webhook row', async () => {
    const order = await insertOrder(system.db.sql, 'INC-1', '150000.00');
    await chargeVa('INC-1');
    const paidAt = Date.now();
    await sim.pay('INC-1');

    // Midtrans got its 200 for the settlement; the worker tried, found no row, and is waiting.
    await waitFor(() => delivered('INC-1', 'settlement'), { what: 'settlement delivered' });
    await waitFor(async () => (await system.queue.getDelayedCount()) >= 1, {
      what: 'notification waiting in backoff',
    });
    // The shop commits the payment row about 2 s after the payment.
    await waitFor(() => Date.now() - paidAt >= 2_000, {
      timeoutMs: 5_000,
      intervalMs: 100,
      what: '2 s after the payment',
    });
    expect(await readPayment(system.db.sql, 'INC-1')).toMatchObject({
      orderStatus: 'PENDING',
      paymentStatus: null,
    });

    await insertPayment(system.db.sql, order.orderId);
    // Within about a second; the 4 s bound is well under the 10 s the backoff would take.
    await waitFor(async () => (await readPayment(system.db.sql, 'INC-1'))?.orderStatus === 'PAID', {
      timeoutMs: 4_000,
      what: 'order PAID through the fast path',
    });
    expect(await readPayment(system.db.sql, 'INC-1')).toMatchObject({
      paymentStatus: 'PAID',
      transactionId: sim.status('INC-1')?.transaction_id,
    });
    expect(await applied('INC-1')).toEqual([
      expect.objectContaining({ syncType: 'webhook', fromStatus: 'PENDING', toStatus: 'PAID' }),
    ]);
  });
});

describe('Midtrans misbehaving', () => {
  it('five deliveries of one settlement give one applied row', async () => {
    const order = await insertOrder(system.db.sql, 'DUP-1');
    await insertPayment(system.db.sql, order.orderId);
    await chargeVa('DUP-1');
    const settled = await sim.pay('DUP-1');
    await waitFor(() => delivered('DUP-1', 'settlement'), { what: 'settlement delivered' });
    const body = buildNotification(
      {
        order_id: 'DUP-1',
        transaction_id: settled.transaction_id,
        transaction_status: 'settlement',
        gross_amount: settled.gross_amount,
      },
      TEST_SERVER_KEY,
    );
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => sendNotification(system.webhookUrl, body)),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);

    await waitFor(async () => (await readPayment(system.db.sql, 'DUP-1'))?.orderStatus === 'PAID', {
      what: 'PAID',
    });
    await sim.idle();
    await waitFor(
      async () => (await system.queue.getActiveCount()) + (await system.queue.getWaitingCount()) === 0,
      { what: 'queue drained' },
    );
    expect(await applied('DUP-1')).toHaveLength(1);
  });

  it('settlement delivered before pending: the order stays PAID and the late pending changes nothing', async () => {
    const order = await insertOrder(system.db.sql, 'OOO-1');
    await insertPayment(system.db.sql, order.orderId);
    sim.faults.set({ reorder: true, times: 1 }, { orderId: 'OOO-1' });
    await chargeVa('OOO-1');
    await sim.pay('OOO-1');
    await waitFor(() => delivered('OOO-1', 'pending') && delivered('OOO-1', 'settlement'), {
      what: 'both delivered',
    });
    const order1 = sim
      .deliveries('OOO-1')
      .filter((d) => d.httpStatus === 200)
      .map((d) => d.transactionStatus);
    expect(order1).toEqual(['settlement', 'pending']);

    await waitFor(async () => (await syncLogs(system.db.sql, 'OOO-1')).length === 2, {
      what: 'both decided',
    });
    expect(await readPayment(system.db.sql, 'OOO-1')).toMatchObject({
      paymentStatus: 'PAID',
      orderStatus: 'PAID',
    });
    // Whichever is decided first, the late pending changes nothing: as a claim of the status the
    // row still holds it is a duplicate, and once the settlement applied, Get Status says settlement.
    const logs = await syncLogs(system.db.sql, 'OOO-1');
    expect(logs.map((l) => l.outcome).sort()).toEqual(['applied', 'duplicate']);
    expect(logs.find((l) => l.outcome === 'applied')).toMatchObject({ toStatus: 'PAID' });
  });

  it('a settlement for another amount is rejected and the order stays PENDING', async () => {
    const order = await insertOrder(system.db.sql, 'AMT-1', '150000.00');
    await insertPayment(system.db.sql, order.orderId);
    await chargeVa('AMT-1', 100000);
    await sim.pay('AMT-1');
    await waitFor(
      async () => (await syncLogs(system.db.sql, 'AMT-1')).some((l) => l.outcome === 'rejected'),
      {
        what: 'rejected row',
      },
    );
    expect(await readPayment(system.db.sql, 'AMT-1')).toMatchObject({
      paymentStatus: 'PENDING',
      orderStatus: 'PENDING',
    });
    const errorLine = system.logs.lines.find((l) => l.includes('AMT-1') && l.includes('"level":50'));
    expect(errorLine).toContain('amount_mismatch');
  });

  it('a reversal (settlement then deny) marks the order PAYMENT_REVERSED and logs an error', async () => {
    const order = await insertOrder(system.db.sql, 'REV-1');
    await insertPayment(system.db.sql, order.orderId);
    await sim.charge({
      payment_type: 'echannel',
      transaction_details: { order_id: 'REV-1', gross_amount: 150000 },
    });
    await sim.pay('REV-1');
    await waitFor(async () => (await readPayment(system.db.sql, 'REV-1'))?.orderStatus === 'PAID', {
      what: 'PAID',
    });
    await sim.reverse('REV-1');
    await waitFor(
      async () => (await readPayment(system.db.sql, 'REV-1'))?.orderStatus === 'PAYMENT_REVERSED',
      {
        what: 'reversed',
      },
    );
    expect(await readPayment(system.db.sql, 'REV-1')).toMatchObject({ paymentStatus: 'DENIED' });
    expect(
      system.logs.lines.some(
        (l) => l.includes('REV-1') && l.includes('"reversal":true') && l.includes('"level":50'),
      ),
    ).toBe(true);
  });

  it('never writes the server key to a log line', () => {
    expect(system.logs.lines.length).toBeGreaterThan(0);
    expect(system.logs.lines.join('\n')).not.toContain(TEST_SERVER_KEY);
  });
});
