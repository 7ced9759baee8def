/**
 * What the operations console and the metrics read: one payment's timeline, and the counts
 * behind lunas_stuck_payments and lunas_payment_mismatches. Reads only.
 */
import type { Sql, TransactionSql } from '../client.js';
import { findMismatches } from './reconcile.js';

type Db = Sql | TransactionSql;

export interface TimelineOrder {
  readonly orderCode: string;
  readonly orderStatus: string;
  readonly amount: string;
  readonly currency: string;
  readonly paidAt: Date | null;
  readonly createdAt: Date;
}

export interface TimelinePayment {
  readonly paymentId: string;
  readonly paymentStatus: string;
  readonly paymentMethod: string | null;
  readonly transactionId: string | null;
  /** 'shop', or 'lunas' for a confirmed transaction the shop had no row for. */
  readonly source: string;
  /** Cumulative refunded or charged-back amount. */
  readonly refundedAmount: string;
  readonly mismatchKind: string | null;
  readonly createdAt: Date;
  readonly ageSeconds: number;
  /** What went back, one entry per refund or chargeback Midtrans listed. */
  readonly refunds: TimelineRefund[];
}

export interface TimelineRefund {
  readonly kind: string;
  readonly refundKey: string | null;
  readonly amount: string;
  readonly reason: string | null;
  readonly refundedAt: Date | null;
  readonly bankConfirmedAt: Date | null;
}

/** One row of core_payment_sync_logs, without the raw payload (it holds the signature). */
export interface TimelineEntry {
  readonly id: string;
  readonly at: Date;
  readonly paymentId: string | null;
  /** webhook, reconcile or manual. */
  readonly source: string;
  readonly outcome: string;
  readonly fromStatus: string | null;
  readonly toStatus: string | null;
  readonly midtransStatus: string | null;
  /** What the notification claimed, when it differs from what Midtrans confirmed, it shows here. */
  readonly notifiedStatus: string | null;
  /** The cumulative refunded amount a refund step reached. */
  readonly refundedAmount: string | null;
  readonly reasonCode: string | null;
  readonly reason: string | null;
  readonly reversal: boolean;
  readonly jobId: string | null;
}

export interface PaymentTimeline {
  readonly order: TimelineOrder;
  readonly payments: TimelinePayment[];
  readonly entries: TimelineEntry[];
}

/** The order, its payments and every decided result, oldest first; null when no such order. */
export async function findPaymentTimeline(
  db: Db,
  orderCode: string,
  limit = 500,
): Promise<PaymentTimeline | null> {
  const [order] = await db<TimelineOrder[]>`
    SELECT order_code AS "orderCode", status AS "orderStatus", total_amount AS amount, currency,
           paid_at AS "paidAt", created_at AS "createdAt"
    FROM orders WHERE order_code = ${orderCode}`;
  if (!order) {
    return null;
  }
  const payments = await db<TimelinePayment[]>`
    SELECT p.id::text AS "paymentId", p.payment_status AS "paymentStatus", p.payment_method AS "paymentMethod",
           p.transaction_id AS "transactionId", p.source, p.refunded_amount::text AS "refundedAmount",
           p.mismatch_kind AS "mismatchKind", p.created_at AS "createdAt",
           floor(extract(epoch FROM now() - p.created_at))::int AS "ageSeconds",
           COALESCE((SELECT json_agg(json_build_object(
                       'kind', r.kind, 'refundKey', r.refund_key, 'amount', r.amount::text, 'reason', r.reason,
                       'refundedAt', r.refunded_at, 'bankConfirmedAt', r.bank_confirmed_at) ORDER BY r.id)
                     FROM payment_refunds r WHERE r.payment_id = p.id), '[]') AS refunds
    FROM order_payments p JOIN orders o ON o.id = p.order_id
    WHERE o.order_code = ${orderCode} ORDER BY p.id`;
  const entries = await db<TimelineEntry[]>`
    SELECT id::text, created_at AS at, payment_id::text AS "paymentId", sync_type AS source, outcome,
           from_status AS "fromStatus", to_status AS "toStatus", midtrans_transaction_status AS "midtransStatus",
           notified_status AS "notifiedStatus", refunded_amount::text AS "refundedAmount",
           reason_code AS "reasonCode", reason, reversal, job_id AS "jobId"
    FROM core_payment_sync_logs WHERE order_code = ${orderCode}
    ORDER BY created_at, id LIMIT ${limit}`;
  return { order, payments, entries };
}

export interface PaymentHealth {
  readonly stuck: number;
  readonly mismatches: Record<string, number>;
}

/** Most ledger rows counted; the gauge saturates there, far past any alert threshold. */
const MISMATCH_COUNT_CAP = 10_000;

/** Counts for the metrics: stuck PENDING payments and the mismatch ledger by kind. */
export async function countPaymentHealth(db: Db, stuckAfterMinutes: number): Promise<PaymentHealth> {
  const [stuck] = await db<{ n: number }[]>`
    SELECT count(*)::int AS n FROM order_payments
    WHERE payment_status = 'PENDING' AND created_at < now() - ${stuckAfterMinutes} * interval '1 minute'`;
  // The ledger's rules (which rows a later result resolved) live in findMismatches; reuse them.
  const rows = await findMismatches(db, { limit: MISMATCH_COUNT_CAP });
  const mismatches: Record<string, number> = {};
  for (const row of rows) {
    mismatches[row.kind] = (mismatches[row.kind] ?? 0) + 1;
  }
  return { stuck: stuck?.n ?? 0, mismatches };
}
