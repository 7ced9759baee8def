import { randomUUID } from 'node:crypto';
import { isAppError } from '@lunas/core';
import { notificationSchema } from '@lunas/midtrans';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  insertOrder,
  insertPayment,
  readPayment,
  syncLogs,
  type TestDatabase,
} from '../../../../test/harness/db.js';
import { signedNotification } from '../../../../test/harness/notifications.js';
import { applyMidtransStatus } from './apply-status.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('apply');
});
afterAll(async () => {
  await db.drop();
});

function apply(fields: Parameters<typeof signedNotification>[0]) {
  const body = signedNotification(fields);
  return applyMidtransStatus(db.sql, {
    syncType: 'webhook',
    status: notificationSchema.parse(body),
    payload: body,
    jobId: null,
  });
}

async function paymentFor(code: string, total = '150000.00', currency = 'IDR') {
  const order = await insertOrder(db.sql, code, total, currency);
  await insertPayment(db.sql, order.orderId);
  return order;
}

describe('applyMidtransStatus', () => {
  it('settles a pending payment: payment PAID, order PAID with paid_at, one applied row', async () => {
    await paymentFor('A-1');
    const result = await apply({
      order_id: 'A-1',
      transaction_status: 'settlement',
      settlement_time: '2026-11-26 10:00:05',
    });
    expect(result).toMatchObject({
      outcome: 'applied',
      from: 'PENDING',
      to: 'PAID',
      orderStatusChanged: true,
    });
    const view = await readPayment(db.sql, 'A-1');
    expect(view).toMatchObject({ paymentStatus: 'PAID', orderStatus: 'PAID' });
    expect(view?.paidAt?.toISOString()).toBe('2026-11-26T03:00:05.000Z'); // GMT+7
    expect(await syncLogs(db.sql, 'A-1')).toEqual([
      expect.objectContaining({ outcome: 'applied', syncType: 'webhook', toStatus: 'PAID' }),
    ]);
  });

  it('applies ten concurrent copies of one settlement exactly once', async () => {
    await paymentFor('A-2');
    const transaction_id = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        apply({ order_id: 'A-2', transaction_id, transaction_status: 'settlement' }),
      ),
    );
    expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(9);
    const logs = await syncLogs(db.sql, 'A-2');
    expect(logs.filter((l) => l.outcome === 'applied')).toHaveLength(1);
    expect(logs).toHaveLength(10);
  });

  it('keeps PAID when a late pending arrives, recording it as stale', async () => {
    await paymentFor('A-3');
    const transaction_id = randomUUID();
    await apply({ order_id: 'A-3', transaction_id, transaction_status: 'settlement' });
    const late = await apply({ order_id: 'A-3', transaction_id, transaction_status: 'pending' });
    expect(late.outcome).toBe('stale');
    expect(await readPayment(db.sql, 'A-3')).toMatchObject({ paymentStatus: 'PAID', orderStatus: 'PAID' });
  });

  it('rejects a settlement whose amount differs from the order, and changes nothing', async () => {
    await paymentFor('A-4', '150000.00');
    const result = await apply({
      order_id: 'A-4',
      transaction_status: 'settlement',
      gross_amount: '15000.00',
    });
    expect(result.outcome).toBe('rejected');
    expect(result.reason).toContain('amount mismatch');
    expect(await readPayment(db.sql, 'A-4')).toMatchObject({
      paymentStatus: 'PENDING',
      orderStatus: 'PENDING',
    });
  });

  it('rejects a settlement in another currency', async () => {
    await paymentFor('A-5', '150000.00', 'IDR');
    const result = await apply({ order_id: 'A-5', transaction_status: 'settlement', currency: 'USD' });
    expect(result.outcome).toBe('rejected');
    expect(await readPayment(db.sql, 'A-5')).toMatchObject({ paymentStatus: 'PENDING' });
  });

  it('applies the reversal (settlement then deny) and marks the order PAYMENT_REVERSED', async () => {
    await paymentFor('A-6');
    const transaction_id = randomUUID();
    await apply({
      order_id: 'A-6',
      transaction_id,
      transaction_status: 'settlement',
      payment_type: 'echannel',
    });
    const reversal = await apply({
      order_id: 'A-6',
      transaction_id,
      transaction_status: 'deny',
      payment_type: 'echannel',
    });
    expect(reversal).toMatchObject({ outcome: 'applied', from: 'PAID', to: 'DENIED', reversal: true });
    expect(await readPayment(db.sql, 'A-6')).toMatchObject({
      paymentStatus: 'DENIED',
      orderStatus: 'PAYMENT_REVERSED',
    });
    const logs = await syncLogs(db.sql, 'A-6');
    expect(logs.at(-1)).toMatchObject({ outcome: 'applied', reversal: true });
  });

  it('matches a reused order id to the new payment row by its new transaction id', async () => {
    const order = await insertOrder(db.sql, 'A-7');
    await insertPayment(db.sql, order.orderId);
    const first = randomUUID();
    await apply({ order_id: 'A-7', transaction_id: first, transaction_status: 'pending' });
    await apply({ order_id: 'A-7', transaction_id: first, transaction_status: 'expire' });
    // The shop inserts a new payment for the retry; Midtrans issues a new transaction id.
    await insertPayment(db.sql, order.orderId);
    const second = randomUUID();
    const paid = await apply({ order_id: 'A-7', transaction_id: second, transaction_status: 'settlement' });
    expect(paid).toMatchObject({ outcome: 'applied', to: 'PAID' });
    const rows = await db.sql<{ transaction_id: string; payment_status: string }[]>`
      SELECT p.transaction_id, p.payment_status FROM order_payments p JOIN orders o ON o.id = p.order_id
      WHERE o.order_code = 'A-7' ORDER BY p.id`;
    expect(rows).toEqual([
      { transaction_id: first, payment_status: 'EXPIRED' },
      { transaction_id: second, payment_status: 'PAID' },
    ]);
  });

  it('throws a retryable error when no payment row exists yet', async () => {
    await insertOrder(db.sql, 'A-8');
    const error = await apply({ order_id: 'A-8', transaction_status: 'settlement' }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code === 'LUNAS_ERR_PAYMENT_NOT_FOUND' && error.retryable).toBe(true);
    expect(await syncLogs(db.sql, 'A-8')).toEqual([]);
  });

  it('lets only one of two transactions claim an open payment row', async () => {
    await paymentFor('A-9');
    const outcomes = await Promise.allSettled([
      apply({ order_id: 'A-9', transaction_id: randomUUID(), transaction_status: 'pending' }),
      apply({ order_id: 'A-9', transaction_id: randomUUID(), transaction_status: 'pending' }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    expect(rejected && isAppError(rejected.reason) && rejected.reason.code).toBe(
      'LUNAS_ERR_PAYMENT_NOT_FOUND',
    );
  });

  it('lets two results of the same transaction race for a fresh row without either waiting for a retry', async () => {
    await paymentFor('A-12');
    const transaction_id = randomUUID();
    const results = await Promise.all([
      apply({ order_id: 'A-12', transaction_id, transaction_status: 'pending' }),
      apply({ order_id: 'A-12', transaction_id, transaction_status: 'settlement' }),
    ]);
    expect(results.map((r) => r.outcome).sort()).toEqual(expect.arrayContaining(['applied']));
    expect(await readPayment(db.sql, 'A-12')).toMatchObject({
      paymentStatus: 'PAID',
      transactionId: transaction_id,
    });
  });

  it('marks the order PAID when a refund arrives and the settlement never did', async () => {
    await paymentFor('A-13');
    const result = await apply({ order_id: 'A-13', transaction_status: 'refund', payment_type: 'gopay' });
    expect(result).toMatchObject({
      outcome: 'applied',
      from: 'PENDING',
      to: 'REFUNDED',
      orderStatusChanged: true,
    });
    expect(await readPayment(db.sql, 'A-13')).toMatchObject({
      paymentStatus: 'REFUNDED',
      orderStatus: 'PAID',
    });
  });

  it('rejects a refund-first result whose amount differs from the order', async () => {
    await paymentFor('A-14', '150000.00');
    const result = await apply({
      order_id: 'A-14',
      transaction_status: 'partial_refund',
      gross_amount: '99.00',
    });
    expect(result.outcome).toBe('rejected');
    expect(await readPayment(db.sql, 'A-14')).toMatchObject({
      paymentStatus: 'PENDING',
      orderStatus: 'PENDING',
    });
  });

  it('rejects a status Midtrans does not document, loudly and without change', async () => {
    await paymentFor('A-10');
    const result = await apply({ order_id: 'A-10', transaction_status: 'teleported' });
    expect(result).toMatchObject({ outcome: 'rejected' });
    expect(await readPayment(db.sql, 'A-10')).toMatchObject({ paymentStatus: 'PENDING' });
  });

  it('holds a challenged card payment in CHALLENGE, then settles it when accepted', async () => {
    await paymentFor('A-11');
    const transaction_id = randomUUID();
    await apply({
      order_id: 'A-11',
      transaction_id,
      transaction_status: 'capture',
      fraud_status: 'challenge',
      payment_type: 'credit_card',
    });
    expect(await readPayment(db.sql, 'A-11')).toMatchObject({
      paymentStatus: 'CHALLENGE',
      orderStatus: 'PENDING',
    });
    await apply({
      order_id: 'A-11',
      transaction_id,
      transaction_status: 'capture',
      fraud_status: 'accept',
      payment_type: 'credit_card',
    });
    expect(await readPayment(db.sql, 'A-11')).toMatchObject({ paymentStatus: 'PAID', orderStatus: 'PAID' });
  });
});
