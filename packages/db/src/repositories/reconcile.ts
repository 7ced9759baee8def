/**
 * What reconciliation reads and writes on order_payments (columns from migration 0002): the
 * sweep's due query, the per-check bookkeeping, and the admin views (stuck, mismatches).
 * Status changes never happen here: they go through the worker's state machine.
 */
import type { MismatchKind } from '@lunas/core';
import type { Sql, TransactionSql } from '../client.js';
import { stopPaidWatches } from './payment-batch.js';

export type { MismatchKind } from '@lunas/core';

type Db = Sql | TransactionSql;

export interface DuePayment {
  readonly paymentId: string;
  readonly orderCode: string;
  readonly transactionId: string | null;
  /** next_check_at as Postgres text: the exact keyset cursor (µs, no JS Date rounding). */
  readonly dueAt: string;
  /** next_check_at in µs since the epoch (for job ids). */
  readonly dueUs: string;
}

export interface DueCursor {
  readonly dueAt: string;
  readonly paymentId: string;
}

export interface DueQuery {
  /** The sweep's "now", fixed at its start, so one sweep sees a bounded set. */
  readonly now: Date;
  readonly minAgeMs: number;
  readonly after: DueCursor | null;
  readonly limit: number;
}

/**
 * The due-payments page as a query fragment, so a test can EXPLAIN exactly what the sweep
 * runs. Keyset on (next_check_at, id), served by order_payments_reconcile_due_idx: the IN list
 * must stay identical to the index predicate for the planner to use the partial index.
 */
export function dueQuery(db: Db, q: DueQuery) {
  const minCreatedAt = new Date(q.now.getTime() - q.minAgeMs);
  const keyset = q.after
    ? // ::text first: postgres.js would otherwise serialise the cursor as a timestamptz through
      // a JS Date and drop its microseconds, and rows tied on next_check_at would repeat.
      db`AND (p.next_check_at, p.id) > (${q.after.dueAt}::text::timestamptz, ${q.after.paymentId}::bigint)`
    : db``;
  return db<DuePayment[]>`
    SELECT p.id::text AS "paymentId", o.order_code AS "orderCode", p.transaction_id AS "transactionId",
           p.next_check_at::text AS "dueAt",
           (extract(epoch FROM p.next_check_at) * 1000000)::bigint::text AS "dueUs"
    FROM order_payments p JOIN orders o ON o.id = p.order_id
    WHERE (p.payment_status IN ('PENDING', 'CHALLENGE', 'AUTHORIZED') OR p.watch_until IS NOT NULL)
      AND p.next_check_at <= ${q.now}
      AND p.created_at <= ${minCreatedAt}
      ${keyset}
    ORDER BY p.next_check_at, p.id
    LIMIT ${q.limit}`;
}

export async function findDuePayments(db: Db, q: DueQuery): Promise<DuePayment[]> {
  return dueQuery(db, q);
}

export interface PaymentForCheck {
  readonly paymentId: string;
  readonly orderCode: string;
  readonly paymentStatus: string;
  readonly transactionId: string | null;
  readonly checkCount: number;
  readonly createdAt: Date;
  readonly orderStatus: string;
  /** Set while a paid payment is still watched for reversals and lost refunds. */
  readonly watchUntil: Date | null;
}

export async function loadPaymentForCheck(db: Db, paymentId: string): Promise<PaymentForCheck | null> {
  const [row] = await db<PaymentForCheck[]>`
    SELECT p.id::text AS "paymentId", o.order_code AS "orderCode", p.payment_status AS "paymentStatus",
           p.transaction_id AS "transactionId", p.check_count AS "checkCount", p.created_at AS "createdAt",
           o.status AS "orderStatus", p.watch_until AS "watchUntil"
    FROM order_payments p JOIN orders o ON o.id = p.order_id
    WHERE p.id = ${paymentId}`;
  return row ?? null;
}

export interface StatusCheckRecord {
  readonly paymentId: string;
  readonly nextCheckAt: Date;
  readonly midtransStatus: string;
  readonly fraudStatus: string | null;
  readonly statusCode: string;
  readonly grossAmount: string | null;
}

/**
 * Bookkeeping after Midtrans answered with a status (the ledger entry the answer implies was
 * set when it was applied, see setMismatch).
 */
export async function recordStatusCheck(db: Db, r: StatusCheckRecord): Promise<void> {
  await db`
    UPDATE order_payments SET
      last_checked_at = now(),
      check_count = check_count + 1,
      next_check_at = ${r.nextCheckAt},
      midtrans_status = ${r.midtransStatus},
      midtrans_fraud_status = ${r.fraudStatus},
      midtrans_status_code = ${r.statusCode},
      midtrans_gross_amount = ${r.grossAmount}::numeric,
      midtrans_unknown_since = NULL,
      -- The watch of a paid payment ends at its time, or as soon as the payment is final.
      -- (A failed payment keeps its watch: it looks for the order's next transaction.)
      watch_until = CASE
        WHEN watch_until <= now() THEN NULL
        WHEN payment_status IN ('REFUNDED', 'CHARGEBACK') THEN NULL
        ELSE watch_until END
    WHERE id = ${r.paymentId}`;
}

/** Ends the watch of a payment that reached a final status. */
export async function stopPaidWatch(db: Db, paymentId: string): Promise<void> {
  await stopPaidWatches(db, [paymentId]);
}

/**
 * Bookkeeping after a 404 ("Midtrans does not know this transaction").
 * - A payment Lunas records as paid is at once on the ledger as paid_not_in_midtrans.
 * - Otherwise the first 404 starts midtrans_unknown_since; a payment still unknown when it is
 *   older than `flagAfterMs` goes on the ledger as unknown_to_midtrans and is no longer polled
 *   (next_check_at = infinity): a Snap session where the customer never chose a method stays
 *   unknown forever. A manual check (`rearm`) polls it again for another `flagAfterMs`
 *   (midtrans_unknown_since restarts then).
 * Returns the kind that was set now, if any.
 */
export async function recordNotFoundCheck(
  db: Db,
  r: {
    readonly paymentId: string;
    readonly nextCheckAt: Date;
    readonly flagAfterMs: number;
    readonly rearm?: boolean;
  },
): Promise<{ flagged: MismatchKind | null; stopped: boolean }> {
  const rearm = r.rearm ?? false;
  const [row] = await db<{ flagged: MismatchKind | null; stopped: boolean }[]>`
    WITH before AS (
      SELECT id, mismatch_kind,
             payment_status IN ('PAID', 'PARTIALLY_REFUNDED', 'PARTIALLY_CHARGED_BACK', 'REFUNDED', 'CHARGEBACK') AS paid,
             (NOT ${rearm} AND COALESCE(midtrans_unknown_since, created_at)
               <= now() - ${r.flagAfterMs} * interval '1 millisecond') AS overdue,
             created_at <= now() - ${r.flagAfterMs} * interval '1 millisecond' AS old
      FROM order_payments WHERE id = ${r.paymentId}),
    decided AS (
      SELECT id, mismatch_kind AS old_kind,
             CASE WHEN paid THEN 'paid_not_in_midtrans'
                  WHEN old AND overdue THEN 'unknown_to_midtrans'
                  ELSE mismatch_kind END AS new_kind,
             (NOT paid AND old AND overdue) AS stop
      FROM before)
    UPDATE order_payments p SET
      last_checked_at = now(),
      check_count = p.check_count + 1,
      next_check_at = CASE WHEN decided.stop THEN 'infinity'::timestamptz ELSE ${r.nextCheckAt} END,
      midtrans_unknown_since = CASE WHEN ${rearm} THEN now() ELSE COALESCE(p.midtrans_unknown_since, now()) END,
      mismatch_kind = decided.new_kind,
      mismatch_since = CASE WHEN decided.new_kind IS NOT DISTINCT FROM decided.old_kind THEN p.mismatch_since
                            ELSE now() END
    FROM decided
    WHERE p.id = decided.id
    RETURNING (CASE WHEN decided.new_kind IS DISTINCT FROM decided.old_kind THEN decided.new_kind END) AS flagged,
              decided.stop AS stopped`;
  return { flagged: row?.flagged ?? null, stopped: row?.stopped ?? false };
}

/** A check that failed for good (retries spent, config error): try again at `nextCheckAt`. */
export async function postponeCheck(db: Db, paymentId: string, nextCheckAt: Date): Promise<void> {
  await db`UPDATE order_payments SET next_check_at = ${nextCheckAt} WHERE id = ${paymentId}`;
}

export interface LatestPayment {
  readonly orderCode: string;
  readonly paymentId: string | null;
  readonly paymentStatus: string | null;
}

/** The order and its newest payment (null fields when it has none); null when no such order. */
export async function findLatestPaymentForOrder(db: Db, orderCode: string): Promise<LatestPayment | null> {
  const [row] = await db<LatestPayment[]>`
    SELECT o.order_code AS "orderCode", p.id::text AS "paymentId", p.payment_status AS "paymentStatus"
    FROM orders o
    LEFT JOIN LATERAL (
      SELECT id, payment_status FROM order_payments WHERE order_id = o.id ORDER BY id DESC LIMIT 1
    ) p ON true
    WHERE o.order_code = ${orderCode}`;
  return row ?? null;
}

/** Of these order codes, the ones that now have at least one payment row. */
export async function orderCodesWithPayments(db: Db, orderCodes: readonly string[]): Promise<Set<string>> {
  if (orderCodes.length === 0) {
    return new Set();
  }
  const rows = await db<{ orderCode: string }[]>`
    SELECT o.order_code AS "orderCode" FROM orders o
    WHERE o.order_code = ANY(${orderCodes as string[]})
      AND EXISTS (SELECT 1 FROM order_payments p WHERE p.order_id = o.id)`;
  return new Set(rows.map((r) => r.orderCode));
}

export interface StuckPayment {
  readonly paymentId: string;
  readonly orderCode: string;
  readonly amount: string;
  readonly currency: string;
  readonly createdAt: Date;
  readonly ageSeconds: number;
  readonly lastCheckedAt: Date | null;
  readonly checkCount: number;
  readonly midtransStatus: string | null;
}

/** PENDING payments older than the threshold, oldest first (served by order_payments_pending_created_idx). */
export async function findStuckPayments(
  db: Db,
  q: { readonly olderThanMinutes: number; readonly limit: number },
): Promise<StuckPayment[]> {
  return db<StuckPayment[]>`
    SELECT p.id::text AS "paymentId", o.order_code AS "orderCode", o.total_amount AS amount, o.currency,
           p.created_at AS "createdAt", floor(extract(epoch FROM now() - p.created_at))::int AS "ageSeconds",
           p.last_checked_at AS "lastCheckedAt", p.check_count AS "checkCount", p.midtrans_status AS "midtransStatus"
    FROM order_payments p JOIN orders o ON o.id = p.order_id
    WHERE p.payment_status = 'PENDING'
      AND p.created_at < now() - ${q.olderThanMinutes} * interval '1 minute'
    ORDER BY p.created_at, p.id
    LIMIT ${q.limit}`;
}

export interface MismatchRow {
  readonly paymentId: string;
  readonly orderCode: string;
  readonly kind: MismatchKind;
  readonly paymentStatus: string;
  readonly orderStatus: string;
  readonly midtransStatus: string | null;
  readonly orderAmount: string;
  readonly midtransAmount: string | null;
  /** What is at stake: Midtrans's amount when it holds money we do not record, else the order total. */
  readonly amountAtRisk: string;
  readonly currency: string;
  readonly since: Date;
  readonly ageSeconds: number;
}

/**
 * The mismatch ledger: payments whose last Midtrans answer and our rows disagree, re-checked
 * against the current row so that an entry a later notification resolved drops out by itself.
 * Plus reversed orders (settlement → deny) whichever path applied the reversal.
 */
const PAID_BRANCH_SQL = ['PAID', 'PARTIALLY_REFUNDED', 'PARTIALLY_CHARGED_BACK', 'REFUNDED', 'CHARGEBACK'];

export async function findMismatches(db: Db, q: { readonly limit: number }): Promise<MismatchRow[]> {
  return db<MismatchRow[]>`
    SELECT * FROM (
      SELECT p.id::text AS "paymentId", o.order_code AS "orderCode", p.mismatch_kind AS kind,
             p.payment_status AS "paymentStatus", o.status AS "orderStatus", p.midtrans_status AS "midtransStatus",
             o.total_amount AS "orderAmount", p.midtrans_gross_amount AS "midtransAmount",
             COALESCE(p.midtrans_gross_amount, o.total_amount) AS "amountAtRisk", o.currency,
             p.mismatch_since AS since, floor(extract(epoch FROM now() - p.mismatch_since))::int AS "ageSeconds"
      FROM order_payments p JOIN orders o ON o.id = p.order_id
      WHERE p.mismatch_kind IS NOT NULL
        AND CASE p.mismatch_kind
              WHEN 'paid_not_recorded' THEN p.payment_status NOT IN ${db(PAID_BRANCH_SQL)}
              WHEN 'amount_rejected' THEN p.payment_status NOT IN ${db(PAID_BRANCH_SQL)}
              WHEN 'unknown_to_midtrans' THEN p.payment_status IN ('PENDING', 'CHALLENGE', 'AUTHORIZED')
              WHEN 'reversal' THEN o.status = 'PAYMENT_REVERSED'
              WHEN 'paid_not_in_midtrans' THEN p.payment_status IN ${db(PAID_BRANCH_SQL)}
              WHEN 'refunded_unpaid' THEN true
              ELSE false END
      UNION ALL
      SELECT p.id::text, o.order_code, 'reversal', p.payment_status, o.status, p.midtrans_status,
             o.total_amount, p.midtrans_gross_amount, o.total_amount, o.currency,
             o.updated_at, floor(extract(epoch FROM now() - o.updated_at))::int
      FROM orders o
      JOIN LATERAL (SELECT * FROM order_payments WHERE order_id = o.id ORDER BY id DESC LIMIT 1) p ON true
      WHERE o.status = 'PAYMENT_REVERSED' AND p.mismatch_kind IS DISTINCT FROM 'reversal'
    ) m
    ORDER BY since, "paymentId"
    LIMIT ${q.limit}`;
}
