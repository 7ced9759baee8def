/**
 * The worker's batched writes: many confirmed notifications applied in one transaction, with
 * one statement per step (arrays through unnest) instead of one round trip per row. The
 * decisions stay in the worker's one state machine; this module only locks what a batch needs
 * and writes what the batch decided (docs/decisions/0018-batched-apply.md).
 *
 * Every array is passed as text[] and cast per element in SQL: postgres.js infers an array's
 * type from its JavaScript values, which goes wrong for booleans and for arrays of nulls.
 */
import type { MismatchKind } from '@lunas/core';
import type { Sql, TransactionSql } from '../client.js';
import { ensureOrderMirrors, type OrderRow, type PaymentRow } from './payments.js';

type Db = Sql | TransactionSql;

/** A payment row as a batch holds it: PaymentRow plus its place on the mismatch ledger. */
export interface LockedPayment extends PaymentRow {
  readonly orderId: string;
  readonly mismatchKind: string | null;
}

export interface OrderLookup {
  /** The Midtrans order_id. */
  readonly midtransOrderId: string;
  /** Its Payment Link base code, if it has one. */
  readonly baseOrderId: string | null;
}

export interface LockedOrders {
  /** The order each lookup belongs to (same index), or null: none, or the view does not show it. */
  readonly orders: readonly (OrderRow | null)[];
  /** Each found order's payment rows, newest first. */
  readonly payments: ReadonlyMap<string, LockedPayment[]>;
}

/**
 * Finds the orders of many Midtrans order ids (the exact order_code first; else, for a Payment
 * Link order id, "<code>-<13-digit ms timestamp>", the order with the stripped code) and their
 * payment rows. The orders are read through the view shop_orders (code, amount, currency and
 * status in Lunas's words), the same in both SHOP_ORDERS modes; Lunas's own `orders` row
 * carries the id that order_payments refers to (in adapter mode, Lunas's mirror of the shop's
 * order, made here the first time the order is seen). Locking the order row serialises every
 * decision about the order's payments, including Lunas creating a payment row. With `lock`,
 * every order row is locked in id order and then every payment row: two batches lock in the
 * same order, so they can wait for each other but never deadlock. `shopOrders` 'builtin' (the
 * view is Lunas's own orders table) reads the orders in the locking statement itself.
 */
export async function findOrdersForMidtrans(
  db: Db,
  lookups: readonly OrderLookup[],
  lock: boolean,
  shopOrders?: 'builtin' | 'adapter',
): Promise<LockedOrders> {
  const candidates = [
    ...new Set(
      lookups.flatMap((l) => (l.baseOrderId ? [l.midtransOrderId, l.baseOrderId] : [l.midtransOrderId])),
    ),
  ];
  const forUpdate = lock ? db`FOR UPDATE` : db``;
  if (shopOrders === 'builtin') {
    // The view is Lunas's own table: no mirrors to make, and the locked row is the order.
    const rows = await db<OrderRow[]>`
      SELECT id::text AS "orderId", order_code AS "orderCode", status AS "orderStatus",
             total_amount::text AS "totalAmount", currency
      FROM orders WHERE order_code = ANY(${candidates}::text[])
      ORDER BY id
      ${forUpdate}`;
    const byCode = new Map(rows.map((r) => [r.orderCode, r]));
    const orders = lookups.map(
      (l) => byCode.get(l.midtransOrderId) ?? (l.baseOrderId ? byCode.get(l.baseOrderId) : undefined) ?? null,
    );
    return { orders, payments: await paymentsOf(db, orders, lock) };
  }
  await ensureOrderMirrors(db, candidates);
  const mirrors = await db<{ orderId: string; orderCode: string }[]>`
    SELECT id::text AS "orderId", order_code AS "orderCode"
    FROM orders WHERE order_code = ANY(${candidates}::text[])
    ORDER BY id
    ${forUpdate}`;
  const byCode = new Map(mirrors.map((m) => [m.orderCode, m]));
  const chosen = lookups.map(
    (l) => byCode.get(l.midtransOrderId) ?? (l.baseOrderId ? byCode.get(l.baseOrderId) : undefined),
  );
  const codes = [...new Set(chosen.flatMap((m) => (m ? [m.orderCode] : [])))];
  // Read after the lock, in its own statement: what the shop's rows hold now.
  const shop = codes.length
    ? await db<{ orderCode: string; orderStatus: string; totalAmount: string; currency: string }[]>`
        SELECT order_code AS "orderCode", status AS "orderStatus", total_amount::text AS "totalAmount", currency
        FROM shop_orders WHERE order_code = ANY(${codes}::text[])`
    : [];
  const shopByCode = new Map<string, (typeof shop)[number]>();
  for (const row of shop) {
    if (!shopByCode.has(row.orderCode)) {
      shopByCode.set(row.orderCode, row);
    }
  }
  const orders = chosen.map((m): OrderRow | null => {
    const view = m ? shopByCode.get(m.orderCode) : undefined;
    return m && view ? { orderId: m.orderId, ...view } : null;
  });
  return { orders, payments: await paymentsOf(db, orders, lock) };
}

/** The payment rows of these orders, newest first; `lock` locks them (in id order, descending). */
async function paymentsOf(
  db: Db,
  orders: readonly (OrderRow | null)[],
  lock: boolean,
): Promise<Map<string, LockedPayment[]>> {
  const forUpdate = lock ? db`FOR UPDATE` : db``;
  const orderIds = [...new Set(orders.flatMap((o) => (o ? [o.orderId] : [])))];
  const rows = orderIds.length
    ? await db<LockedPayment[]>`
        SELECT id::text AS "paymentId", order_id::text AS "orderId", payment_status AS "paymentStatus",
               transaction_id AS "transactionId", refunded_amount::text AS "refundedAmount", paid_at AS "paidAt",
               mismatch_kind AS "mismatchKind"
        FROM order_payments WHERE order_id = ANY(${orderIds}::text[]::bigint[])
        ORDER BY id DESC
        ${forUpdate}`
    : [];
  const payments = new Map<string, LockedPayment[]>(orderIds.map((id) => [id, []]));
  for (const row of rows) {
    payments.get(row.orderId)?.push(row);
  }
  return payments;
}

/** What a batch leaves in one payment row (its last decision; the row is locked). */
export interface PaymentWrite {
  readonly paymentId: string;
  /** The status the row holds now: the write is a compare-and-set against it. */
  readonly expectStatus: string;
  readonly status: string;
  /** Kept when the row already has one (COALESCE), as each are. */
  readonly transactionId: string | null;
  readonly midtransOrderId: string | null;
  readonly paymentMethod: string | null;
  readonly grossAmount: string | null;
  readonly refundedAmount: string | null;
  readonly paidAt: Date | null;
}

/**
 * Compare-and-set of many payments in one statement. Returns how many rows moved: fewer than
 * given means a row left its status under the lock, which the caller treats as a failed batch.
 */
export async function writePayments(tx: Db, writes: readonly PaymentWrite[]): Promise<number> {
  if (writes.length === 0) {
    return 0;
  }
  const col = <K extends keyof PaymentWrite>(k: K) => writes.map((w) => text(w[k]));
  const rows = await tx`
    UPDATE order_payments p SET
      payment_status    = u.status,
      transaction_id    = COALESCE(p.transaction_id, u.transaction_id),
      midtrans_order_id = COALESCE(p.midtrans_order_id, u.midtrans_order_id),
      payment_method    = COALESCE(u.payment_method, p.payment_method),
      gross_amount      = COALESCE(u.gross_amount::numeric, p.gross_amount),
      refunded_amount   = COALESCE(u.refunded_amount::numeric, p.refunded_amount),
      paid_at           = COALESCE(u.paid_at::timestamptz, p.paid_at),
      updated_at        = now()
    FROM unnest(${col('paymentId')}::text[], ${col('expectStatus')}::text[], ${col('status')}::text[],
                ${col('transactionId')}::text[], ${col('midtransOrderId')}::text[], ${col('paymentMethod')}::text[],
                ${col('grossAmount')}::text[], ${col('refundedAmount')}::text[], ${col('paidAt')}::text[])
      AS u(id, expect_status, status, transaction_id, midtrans_order_id, payment_method, gross_amount,
           refunded_amount, paid_at)
    WHERE p.id = u.id::bigint AND p.payment_status = u.expect_status
    RETURNING p.id`;
  return rows.length;
}

/**
 * An order becomes PAID when one of its payments is paid, whatever the others did: from
 * PENDING, or from PAYMENT_REVERSED when another transaction pays after a reversal. Orders in
 * any other status belong to the shop. The change is the shop's function shop_mark_order
 * (migration 0005 installs the one for the builtin table), called in the caller's transaction,
 * here for many orders in one statement. Then Lunas's mirror rows take what the view shows
 * (adapter mode; `mirrors` false skips that statement where the view is Lunas's own table).
 * Returns the ids of the orders that changed.
 */
export async function markOrdersPaid(
  tx: Db,
  marks: readonly { readonly orderId: string; readonly paidAt: Date }[],
  mirrors: boolean,
): Promise<Set<string>> {
  if (marks.length === 0) {
    return new Set();
  }
  const ids = marks.map((m) => m.orderId);
  const paidAts = marks.map((m) => m.paidAt.toISOString());
  const rows = await tx<{ orderId: string; changed: boolean | null }[]>`
    SELECT s.id AS "orderId", shop_mark_order(o.order_code, 'PAID', s.paid_at::timestamptz) AS changed
    FROM unnest(${ids}::text[], ${paidAts}::text[]) AS s(id, paid_at)
    JOIN orders o ON o.id = s.id::bigint`;
  if (mirrors) {
    await tx`
      UPDATE orders o SET
        status = v.status,
        paid_at = CASE WHEN v.status = 'PAID' THEN COALESCE(s.paid_at::timestamptz, o.paid_at) ELSE o.paid_at END,
        updated_at = now()
      FROM unnest(${ids}::text[], ${paidAts}::text[]) AS s(id, paid_at), shop_orders v
      WHERE o.id = s.id::bigint AND v.order_code = o.order_code
        AND v.status IS NOT NULL AND o.status IS DISTINCT FROM v.status`;
  }
  return new Set(rows.filter((r) => r.changed === true).map((r) => r.orderId));
}

/**
 * Starts watching payments that have just been paid (or failed on an unpaid order): the sweep
 * checks each again after `firstCheckAfterMs`, then on the cadence, until `forMs` from now.
 */
export async function startPaidWatches(
  db: Db,
  paymentIds: readonly string[],
  watch: { readonly forMs: number; readonly firstCheckAfterMs: number },
): Promise<void> {
  if (paymentIds.length === 0) {
    return;
  }
  await db`
    UPDATE order_payments SET
      watch_until = now() + ${watch.forMs} * interval '1 millisecond',
      next_check_at = now() + ${Math.min(watch.firstCheckAfterMs, watch.forMs)} * interval '1 millisecond',
      check_count = 0
    WHERE id = ANY(${paymentIds}::text[]::bigint[])`;
}

/** Ends the watch of payments that reached a final status. */
export async function stopPaidWatches(db: Db, paymentIds: readonly string[]): Promise<void> {
  if (paymentIds.length === 0) {
    return;
  }
  await db`UPDATE order_payments SET watch_until = NULL
           WHERE id = ANY(${paymentIds}::text[]::bigint[]) AND watch_until IS NOT NULL`;
}

/**
 * Sets the ledger entry of payments whose kind changed during the batch: a new kind starts its
 * mismatch_since now, none clears both.
 */
export async function writeMismatches(
  db: Db,
  rows: readonly { readonly paymentId: string; readonly kind: MismatchKind | null }[],
): Promise<void> {
  if (rows.length === 0) {
    return;
  }
  await db`
    UPDATE order_payments p SET
      mismatch_kind = u.kind,
      mismatch_since = CASE WHEN u.kind IS NULL THEN NULL ELSE now() END
    FROM unnest(${rows.map((r) => r.paymentId)}::text[], ${rows.map((r) => r.kind)}::text[]) AS u(id, kind)
    WHERE p.id = u.id::bigint`;
}

/** null and undefined stay NULL; dates travel as ISO text, everything else as its string. */
function text(value: string | number | boolean | Date | null | undefined): string | null {
  if (value === null || value === undefined) {
    return null;
  }
  return value instanceof Date ? value.toISOString() : String(value);
}
