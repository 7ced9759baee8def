/**
 * The end-of-run checks of a chaos run: the database against the simulator's truth, the
 * audit log's invariant, and what Lunas answered Midtrans.
 */
import { FAILED_STATUSES, isPaidBranch, mapMidtransStatus } from '@lunas/core';
import type { Sql } from '@lunas/db';
import type { Simulator } from '@lunas/simulator';

export interface PaymentRowView {
  readonly transactionId: string | null;
  readonly paymentStatus: string;
  readonly everPaid: boolean;
  readonly mismatch: string | null;
}

export interface DbRow {
  readonly orderCode: string;
  readonly orderStatus: string;
  readonly payments: readonly PaymentRowView[];
}

export async function readDb(sql: Sql): Promise<Map<string, DbRow>> {
  const rows = await sql<DbRow[]>`
    SELECT o.order_code AS "orderCode", o.status AS "orderStatus",
           COALESCE(json_agg(json_build_object(
             'transactionId', p.transaction_id, 'paymentStatus', p.payment_status,
             'everPaid', p.paid_at IS NOT NULL, 'mismatch', p.mismatch_kind) ORDER BY p.id)
             FILTER (WHERE p.id IS NOT NULL), '[]') AS payments
    FROM orders o LEFT JOIN order_payments p ON p.order_id = o.id
    GROUP BY o.id`;
  return new Map(rows.map((r) => [r.orderCode, r]));
}

/**
 * Why an order's rows differ from Midtrans's truth, or null when they agree. Every transaction
 * Midtrans has for the order must have a payment row (the shop's, or one Lunas recorded) in the
 * status Midtrans gives it, and the order must be PAID exactly when one of its payments was paid
 * (PAYMENT_REVERSED after a documented reversal). A payment refunded before Lunas ever saw it
 * paid (its settlement notification lost) must stay unpaid and be on the ledger instead.
 */
export function disagreement(sim: Simulator, orderCode: string, row: DbRow | undefined): string | null {
  const truths = sim.transactions().filter((t) => t.order_id === orderCode);
  if (truths.length === 0) {
    return 'unknown to the simulator';
  }
  if (!row || row.payments.length === 0) {
    return 'no payment row';
  }
  let paid = false;
  let reversed = false;
  for (const truth of truths) {
    const expected = mapMidtransStatus(truth.transaction_status, truth.fraud_status);
    const payment = row.payments.find((p) => p.transactionId === truth.transaction_id);
    if (!payment) {
      // A failed attempt whose every notification was lost, superseded by the order's next
      // transaction before anyone asked: it took no money, and Lunas may never have heard of it.
      if (expected && FAILED_STATUSES.has(expected)) {
        continue;
      }
      return `no payment row for transaction ${truth.transaction_id} (${truth.transaction_status})`;
    }
    if (payment.paymentStatus !== expected) {
      return `payment ${payment.paymentStatus}, Midtrans says ${truth.transaction_status}${truth.fraud_status ? `/${truth.fraud_status}` : ''} (${expected})`;
    }
    if (expected && isPaidBranch(expected)) {
      if (payment.everPaid) {
        paid = true;
      } else if (payment.mismatch !== 'refunded_unpaid') {
        return `payment ${expected} without a recorded payment, and not on the ledger`;
      }
    }
    reversed ||= expected === 'DENIED' && payment.everPaid;
  }
  const expectedOrder = paid ? 'PAID' : reversed ? 'PAYMENT_REVERSED' : 'PENDING';
  return row.orderStatus === expectedOrder ? null : `order ${row.orderStatus}, expected ${expectedOrder}`;
}

/**
 * Exactly one 'applied' row per real transition: per payment, the applied rows chain from
 * PENDING to the current status with no gap and no repeat.
 */
export async function brokenAuditChains(sql: Sql): Promise<string[]> {
  const rows = await sql<
    { paymentId: string; current: string; fromStatus: string; toStatus: string; orderCode: string }[]
  >`
    SELECT p.id AS "paymentId", p.payment_status AS current, l.from_status AS "fromStatus",
           l.to_status AS "toStatus", l.order_code AS "orderCode"
    FROM order_payments p
    JOIN core_payment_sync_logs l ON l.payment_id = p.id AND l.outcome = 'applied'
    ORDER BY p.id, l.id`;
  const chains = new Map<string, { current: string; orderCode: string; steps: [string, string][] }>();
  for (const r of rows) {
    const chain = chains.get(r.paymentId) ?? { current: r.current, orderCode: r.orderCode, steps: [] };
    chain.steps.push([r.fromStatus, r.toStatus]);
    chains.set(r.paymentId, chain);
  }
  const broken: string[] = [];
  for (const [, chain] of chains) {
    let at = 'PENDING';
    let ok = true;
    for (const [from, to] of chain.steps) {
      ok &&= from === at;
      at = to;
    }
    if (!ok || at !== chain.current) {
      broken.push(
        `${chain.orderCode}: ${chain.steps.map(([f, t]) => `${f}→${t}`).join(', ')} (now ${chain.current})`,
      );
    }
  }
  // A payment that moved without any applied row.
  const silent = await sql<{ orderCode: string }[]>`
    SELECT o.order_code AS "orderCode" FROM order_payments p JOIN orders o ON o.id = p.order_id
    WHERE p.payment_status <> 'PENDING'
      AND NOT EXISTS (SELECT 1 FROM core_payment_sync_logs l WHERE l.payment_id = p.id AND l.outcome = 'applied')`;
  return [...broken, ...silent.map((s) => `${s.orderCode}: moved with no applied row`)];
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) {
    return 0;
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/**
 * Events (docs/events.md): every applied transition has exactly one payment.* event (linked by
 * sync_log_id), and no payment.* event lacks an applied transition.
 */
export async function eventProblems(sql: Sql): Promise<string[]> {
  const rows = await sql<{ orderCode: string; logId: string | null; events: number }[]>`
    SELECT l.order_code AS "orderCode", l.id::text AS "logId", count(e.id)::int AS events
    FROM core_payment_sync_logs l
    LEFT JOIN payment_events e ON e.sync_log_id = l.id AND e.type LIKE 'payment.%'
    WHERE l.outcome = 'applied'
    GROUP BY l.id
    HAVING count(e.id) <> 1
    UNION ALL
    SELECT e.order_code, NULL, 1 FROM payment_events e
    WHERE NOT EXISTS (SELECT 1 FROM core_payment_sync_logs l WHERE l.id = e.sync_log_id AND l.outcome = 'applied')`;
  return rows.map((r) =>
    r.logId === null
      ? `${r.orderCode}: an event without an applied transition`
      : `${r.orderCode}: applied row ${r.logId} has ${r.events} events`,
  );
}

/** Events the receiver never answered 2xx to (by webhook-id), and events still undelivered in Postgres. */
export async function undeliveredEvents(sql: Sql, delivered: ReadonlySet<string>): Promise<string[]> {
  const rows = await sql<{ id: string; orderCode: string; deliveredAt: Date | null }[]>`
    SELECT e.id::text AS id, e.order_code AS "orderCode", e.delivered_at AS "deliveredAt"
    FROM payment_events e ORDER BY e.id`;
  return rows
    .filter((r) => r.deliveredAt === null || !delivered.has(`evt_${r.id}`))
    .map((r) => `${r.orderCode}: evt_${r.id} ${r.deliveredAt ? 'not received' : 'undelivered'}`);
}
