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
    expect(result).toMatchObject({
      outcome: 'rejected',
      reasonCode: 'amount_mismatch',
      mismatch: 'amount_rejected',
    });
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

  it('gives two transactions racing for one open payment row a row each: the second recorded by Lunas', async () => {
    await paymentFor('A-9');
    const results = await Promise.all([
      apply({ order_id: 'A-9', transaction_id: randomUUID(), transaction_status: 'pending' }),
      apply({ order_id: 'A-9', transaction_id: randomUUID(), transaction_status: 'pending' }),
    ]);
    expect(results.filter((r) => r.paymentCreated)).toHaveLength(1);
    const rows = await db.sql<{ source: string; transaction_id: string | null }[]>`
      SELECT p.source, p.transaction_id FROM order_payments p JOIN orders o ON o.id = p.order_id
      WHERE o.order_code = 'A-9' ORDER BY p.id`;
    expect(rows.map((r) => r.source)).toEqual(['shop', 'lunas']);
    expect(rows.every((r) => r.transaction_id !== null)).toBe(true);
  });

  it('pays the order when a Snap retry after a deny settles under a new transaction id, without a new row from the shop', async () => {
    await paymentFor('A-15');
    const denied = randomUUID();
    await apply({
      order_id: 'A-15',
      transaction_id: denied,
      transaction_status: 'deny',
      payment_type: 'credit_card',
    });
    const retry = randomUUID();
    const paid = await apply({
      order_id: 'A-15',
      transaction_id: retry,
      transaction_status: 'capture',
      fraud_status: 'accept',
      payment_type: 'credit_card',
    });
    expect(paid).toMatchObject({
      outcome: 'applied',
      to: 'PAID',
      paymentCreated: true,
      orderStatusChanged: true,
    });
    const rows = await db.sql<{ transaction_id: string; payment_status: string; source: string }[]>`
      SELECT p.transaction_id, p.payment_status, p.source FROM order_payments p JOIN orders o ON o.id = p.order_id
      WHERE o.order_code = 'A-15' ORDER BY p.id`;
    expect(rows).toEqual([
      { transaction_id: denied, payment_status: 'DENIED', source: 'shop' },
      { transaction_id: retry, payment_status: 'PAID', source: 'lunas' },
    ]);
    expect(await readPayment(db.sql, 'A-15')).toMatchObject({ orderStatus: 'PAID' });
  });

  it('keeps the order PAID when another transaction of it fails later', async () => {
    await paymentFor('A-16');
    const first = randomUUID();
    await apply({ order_id: 'A-16', transaction_id: first, transaction_status: 'settlement' });
    await apply({ order_id: 'A-16', transaction_id: randomUUID(), transaction_status: 'expire' });
    expect(await readPayment(db.sql, 'A-16')).toMatchObject({ orderStatus: 'PAID' });
  });

  it('finds the order of a Payment Link order id (the link id plus a 13-digit timestamp)', async () => {
    await paymentFor('PL-1');
    const result = await apply({ order_id: 'PL-1-1647944535605', transaction_status: 'settlement' });
    expect(result).toMatchObject({ outcome: 'applied', orderCode: 'PL-1', to: 'PAID' });
    expect(await readPayment(db.sql, 'PL-1')).toMatchObject({ orderStatus: 'PAID' });
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

  it('keeps the order unpaid when a refund is the first status seen, and puts it on the ledger', async () => {
    await paymentFor('A-13');
    const result = await apply({
      order_id: 'A-13',
      transaction_status: 'refund',
      payment_type: 'gopay',
      refund_amount: '150000.00',
    });
    expect(result).toMatchObject({
      outcome: 'applied',
      from: 'PENDING',
      to: 'REFUNDED',
      orderStatusChanged: false,
      mismatch: 'refunded_unpaid',
    });
    expect(await readPayment(db.sql, 'A-13')).toMatchObject({
      paymentStatus: 'REFUNDED',
      orderStatus: 'PENDING',
    });
  });

  it('adds partial refunds up, one applied step each, and records each refund with its bank confirmation', async () => {
    await paymentFor('A-14');
    const transaction_id = randomUUID();
    await apply({
      order_id: 'A-14',
      transaction_id,
      transaction_status: 'settlement',
      payment_type: 'gopay',
    });
    const first = {
      refund_chargeback_id: 1,
      refund_amount: '5000.00',
      created_at: '2026-11-26 11:00:00',
      reason: 'size',
      refund_key: 'rk-1',
      refund_method: 'online',
    };
    const second = {
      refund_chargeback_id: 2,
      refund_amount: '3000.00',
      created_at: '2026-11-26 12:00:00',
      reason: 'late',
      refund_key: 'rk-2',
      refund_method: 'online',
    };
    const partial = (refunds: object[], refund_amount: string) =>
      apply({
        order_id: 'A-14',
        transaction_id,
        transaction_status: 'partial_refund',
        payment_type: 'gopay',
        refunds,
        refund_amount,
      });
    expect(await partial([first], '5000.00')).toMatchObject({
      outcome: 'applied',
      to: 'PARTIALLY_REFUNDED',
      refundedAmount: '5000.00',
    });
    // The bank-confirmed second notification of the same refund: no new step, the confirmation kept.
    expect(await partial([{ ...first, bank_confirmed_at: '2026-11-26 11:05:00' }], '5000.00')).toMatchObject({
      outcome: 'duplicate',
    });
    expect(await partial([first, second], '8000.00')).toMatchObject({
      outcome: 'applied',
      from: 'PARTIALLY_REFUNDED',
      to: 'PARTIALLY_REFUNDED',
      refundedAmount: '8000.00',
    });
    const applied = (await syncLogs(db.sql, 'A-14')).filter((l) => l.outcome === 'applied');
    expect(applied.map((l) => l.toStatus)).toEqual(['PAID', 'PARTIALLY_REFUNDED', 'PARTIALLY_REFUNDED']);
    const refunds = await db.sql<{ amount: string; refund_key: string; bank_confirmed: boolean }[]>`
      SELECT r.amount::text AS amount, r.refund_key, r.bank_confirmed_at IS NOT NULL AS bank_confirmed
      FROM payment_refunds r JOIN order_payments p ON p.id = r.payment_id JOIN orders o ON o.id = p.order_id
      WHERE o.order_code = 'A-14' ORDER BY r.id`;
    expect(refunds).toEqual([
      { amount: '5000.00', refund_key: 'rk-1', bank_confirmed: true },
      { amount: '3000.00', refund_key: 'rk-2', bank_confirmed: false },
    ]);
    const [payment] = await db.sql<{ refunded_amount: string }[]>`
      SELECT p.refunded_amount::text AS refunded_amount FROM order_payments p JOIN orders o ON o.id = p.order_id WHERE o.order_code = 'A-14'`;
    expect(payment?.refunded_amount).toBe('8000.00');
    expect(await readPayment(db.sql, 'A-14')).toMatchObject({ orderStatus: 'PAID' });
  });

  it('does not apply a deny after settlement where Midtrans documents no reversal, and puts it on the ledger', async () => {
    await paymentFor('A-17');
    const transaction_id = randomUUID();
    await apply({
      order_id: 'A-17',
      transaction_id,
      transaction_status: 'settlement',
      payment_type: 'gopay',
    });
    const result = await apply({
      order_id: 'A-17',
      transaction_id,
      transaction_status: 'deny',
      payment_type: 'gopay',
    });
    expect(result).toMatchObject({ outcome: 'stale', mismatch: 'paid_not_in_midtrans' });
    expect(await readPayment(db.sql, 'A-17')).toMatchObject({ paymentStatus: 'PAID', orderStatus: 'PAID' });
  });

  it('maps a settlement under fraud review to CHALLENGE, not PAID', async () => {
    await paymentFor('A-18');
    const result = await apply({
      order_id: 'A-18',
      transaction_status: 'settlement',
      fraud_status: 'challenge',
    });
    expect(result).toMatchObject({ outcome: 'applied', to: 'CHALLENGE' });
    expect(await readPayment(db.sql, 'A-18')).toMatchObject({ orderStatus: 'PENDING' });
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
