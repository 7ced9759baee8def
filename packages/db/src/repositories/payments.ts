/**
 * orders, order_payments and payment_refunds, as the worker's state machine needs them. Every
 * function takes sql or a transaction, so the caller decides the transaction boundary.
 *
 * An order can have several Midtrans transactions (an order id reused after expire or cancel, a
 * Snap retry after a deny, two attempts racing): each has its own payment row. Rows are matched
 * to a transaction only by a transaction_id that Midtrans confirmed (Get Status).
 */
import type { Sql, TransactionSql } from '../client.js';

type Db = Sql | TransactionSql;

export interface OrderRow {
  readonly orderId: string;
  readonly orderCode: string;
  readonly orderStatus: string;
  readonly totalAmount: string;
  readonly currency: string;
}

export interface PaymentRow {
  readonly paymentId: string;
  readonly paymentStatus: string;
  readonly transactionId: string | null;
  readonly refundedAmount: string;
  readonly paidAt: Date | null;
}

/**
 * Lunas's `orders` row for each of these codes that the view shows and `orders` lacks (adapter
 * mode: the mirror, made on demand, so that order_payments keeps its foreign key). With the
 * builtin table the view is `orders` itself and this inserts nothing (and takes no id).
 */
export async function ensureOrderMirrors(db: Db, orderCodes: readonly string[]): Promise<number> {
  const rows = await db`
    INSERT INTO orders (order_code, total_amount, currency, status)
    SELECT v.order_code, v.total_amount, COALESCE(v.currency, 'IDR'), COALESCE(v.status, 'PENDING')
    FROM shop_orders v
    WHERE v.order_code = ANY(${orderCodes as string[]}) AND v.total_amount IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.order_code = v.order_code)
    ON CONFLICT (order_code) DO NOTHING
    RETURNING id`;
  return rows.length;
}

/**
 * The payment row a (confirmed) transaction belongs to: the row that carries its id, else the
 * newest row without one (the shop inserts it before Midtrans assigns an id). Null when every
 * row is bound to another transaction, or there is none.
 */
export function matchPayment<P extends PaymentRow>(payments: readonly P[], transactionId: string): P | null {
  return (
    payments.find((p) => p.transactionId === transactionId) ??
    payments.find((p) => p.transactionId === null) ??
    null
  );
}

/**
 * A payment row Lunas records itself, for a confirmed transaction of a known order whose every
 * row is bound to another transaction (a Snap retry, a reused order id the shop did not record).
 */
export async function insertLunasPayment(
  tx: Db,
  p: { readonly orderId: string; readonly transactionId: string; readonly midtransOrderId: string },
): Promise<PaymentRow> {
  const [row] = await tx<PaymentRow[]>`
    INSERT INTO order_payments (order_id, transaction_id, midtrans_order_id, source)
    VALUES (${p.orderId}, ${p.transactionId}, ${p.midtransOrderId}, 'lunas')
    RETURNING id::text AS "paymentId", payment_status AS "paymentStatus", transaction_id AS "transactionId",
              refunded_amount::text AS "refundedAmount", paid_at AS "paidAt"`;
  if (!row) {
    throw new Error('insert into order_payments returned no row');
  }
  return row;
}

/**
 * A paid order whose payment Midtrans reversed (settlement → deny): the merchant must treat it
 * as unpaid, unless another payment of the order still holds the money. Only an order still in
 * PAID is touched (shop_mark_order decides); one the shop moved on (SHIPPED, say) is left for
 * ops, who are alerted.
 */
export async function markOrderReversed(tx: Db, orderId: string): Promise<boolean> {
  const [row] = await tx<{ changed: boolean | null }[]>`
    SELECT shop_mark_order(o.order_code, 'PAYMENT_REVERSED', NULL::timestamptz) AS changed
    FROM orders o
    WHERE o.id = ${orderId}
      AND NOT EXISTS (SELECT 1 FROM order_payments p WHERE p.order_id = o.id
                      AND p.payment_status IN ('PAID', 'PARTIALLY_REFUNDED', 'PARTIALLY_CHARGED_BACK'))`;
  await refreshOrderMirror(tx, orderId, null);
  return row?.changed === true;
}

/**
 * Adapter mode: Lunas's mirror row takes the status the view now shows, so Lunas's own reads
 * (the ledger, the console) agree with the shop. With the builtin table it changes nothing.
 */
async function refreshOrderMirror(tx: Db, orderId: string, paidAt: Date | null): Promise<void> {
  await tx`
    UPDATE orders o SET
      status = v.status,
      paid_at = CASE WHEN v.status = 'PAID' THEN COALESCE(${paidAt}::timestamptz, o.paid_at) ELSE o.paid_at END,
      updated_at = now()
    FROM shop_orders v
    WHERE o.id = ${orderId} AND v.order_code = o.order_code
      AND v.status IS NOT NULL AND o.status IS DISTINCT FROM v.status`;
}

export interface RefundInput {
  readonly identity: string;
  readonly kind: 'refund' | 'chargeback';
  readonly refundChargebackId: string | null;
  readonly refundKey: string | null;
  readonly amount: string;
  readonly reason: string | null;
  readonly refundedAt: Date | null;
  readonly bankConfirmedAt: Date | null;
}

/**
 * Records the refunds Midtrans lists for a payment: one row each, the bank confirmation added
 * when a later notification carries it. Returns how many rows were new or changed.
 */
export async function upsertRefunds(
  tx: Db,
  paymentId: string,
  refunds: readonly RefundInput[],
): Promise<number> {
  let changed = 0;
  for (const r of refunds) {
    const rows = await tx`
      INSERT INTO payment_refunds (payment_id, identity, kind, refund_chargeback_id, refund_key, amount, reason,
                                   refunded_at, bank_confirmed_at)
      VALUES (${paymentId}, ${r.identity}, ${r.kind}, ${r.refundChargebackId}, ${r.refundKey}, ${r.amount}::numeric,
              ${r.reason}, ${r.refundedAt}, ${r.bankConfirmedAt})
      ON CONFLICT (payment_id, identity) DO UPDATE SET
        bank_confirmed_at = COALESCE(payment_refunds.bank_confirmed_at, EXCLUDED.bank_confirmed_at),
        updated_at = now()
      WHERE payment_refunds.bank_confirmed_at IS NULL AND EXCLUDED.bank_confirmed_at IS NOT NULL
      RETURNING id`;
    changed += rows.length;
  }
  return changed;
}
