/**
 * order_payments and orders, as the worker's state machine needs them. Every function takes
 * sql or a transaction, so the caller decides the transaction boundary.
 */
import type { PaymentStatus } from '@lunas/core';
import type { Sql, TransactionSql } from '../client.js';

type Db = Sql | TransactionSql;

export interface LockedPayment {
  readonly paymentId: string;
  readonly orderId: string;
  readonly orderCode: string;
  readonly paymentStatus: string;
  readonly transactionId: string | null;
  readonly orderStatus: string;
  readonly totalAmount: string;
  readonly currency: string;
}

/**
 * Finds and locks (FOR UPDATE) the payment a Midtrans transaction belongs to: the row that
 * already carries this transaction_id, else the order's newest payment without one (the shop
 * inserts it before Midtrans assigns an id). Returns null when neither exists yet.
 *
 * One statement, so that two notifications of the same transaction racing for a fresh row
 * both end on it: the second waits for the first's lock and, under READ COMMITTED, re-checks
 * the row, which now carries this transaction_id and still matches. A notification of another
 * transaction no longer matches the claimed row and gets null (and retries).
 */
export async function lockPaymentForTransaction(
  tx: TransactionSql,
  orderCode: string,
  transactionId: string,
): Promise<LockedPayment | null> {
  const rows = await tx<LockedPayment[]>`
    SELECT p.id AS "paymentId", o.id AS "orderId", o.order_code AS "orderCode",
           p.payment_status AS "paymentStatus", p.transaction_id AS "transactionId",
           o.status AS "orderStatus", o.total_amount AS "totalAmount", o.currency
    FROM order_payments p JOIN orders o ON o.id = p.order_id
    WHERE o.order_code = ${orderCode}
      AND (p.transaction_id = ${transactionId} OR p.transaction_id IS NULL)
    ORDER BY (p.transaction_id IS NOT NULL) DESC, p.id DESC
    LIMIT 1
    FOR UPDATE OF p`;
  return rows[0] ?? null;
}

export interface PaymentUpdate {
  readonly paymentId: string;
  readonly from: PaymentStatus;
  readonly to: PaymentStatus;
  readonly transactionId: string;
  readonly paymentMethod: string | null;
  readonly grossAmount: string | null;
  /** Set when the payment becomes PAID. */
  readonly paidAt: Date | null;
}

/**
 * Compare-and-set: moves the payment only if it is still in `from`. Returns false when another
 * writer got there first (the caller then treats the event as stale or duplicate).
 */
export async function compareAndSetPayment(tx: Db, u: PaymentUpdate): Promise<boolean> {
  const rows = await tx`
    UPDATE order_payments SET
      payment_status = ${u.to},
      transaction_id = COALESCE(transaction_id, ${u.transactionId}),
      payment_method = COALESCE(${u.paymentMethod}, payment_method),
      gross_amount   = COALESCE(${u.grossAmount}::numeric, gross_amount),
      paid_at        = CASE WHEN ${u.paidAt}::timestamptz IS NOT NULL THEN ${u.paidAt}::timestamptz ELSE paid_at END,
      updated_at     = now()
    WHERE id = ${u.paymentId} AND payment_status = ${u.from}
    RETURNING id`;
  return rows.length === 1;
}

/** Records the transaction id on a payment whose status does not change (duplicate/stale). */
export async function claimTransactionId(tx: Db, paymentId: string, transactionId: string): Promise<void> {
  await tx`UPDATE order_payments SET transaction_id = ${transactionId}, updated_at = now()
           WHERE id = ${paymentId} AND transaction_id IS NULL`;
}

/** PENDING → PAID on the order, once. Orders in any other status belong to the shop. */
export async function markOrderPaid(tx: Db, orderId: string, paidAt: Date): Promise<boolean> {
  const rows = await tx`
    UPDATE orders SET status = 'PAID', paid_at = ${paidAt}, updated_at = now()
    WHERE id = ${orderId} AND status = 'PENDING'
    RETURNING id`;
  return rows.length === 1;
}

/**
 * A paid order whose payment Midtrans reversed (settlement → deny): the merchant must treat
 * it as unpaid. Only an order still in PAID is touched; one the shop moved on (SHIPPED, say)
 * is left for ops, who are alerted.
 */
export async function markOrderReversed(tx: Db, orderId: string): Promise<boolean> {
  const rows = await tx`
    UPDATE orders SET status = 'PAYMENT_REVERSED', updated_at = now()
    WHERE id = ${orderId} AND status = 'PAID'
    RETURNING id`;
  return rows.length === 1;
}
