/** core_payment_sync_logs: one row for every notification or status result the worker decides on. */
import type { SyncOutcome, SyncReason, SyncType } from '@lunas/core';
import type { Sql, TransactionSql } from '../client.js';

type Db = Sql | TransactionSql;

export type { SyncOutcome, SyncType } from '@lunas/core';

export interface SyncLogInput {
  readonly orderCode: string;
  readonly paymentId: string | null;
  readonly syncType: SyncType;
  readonly outcome: SyncOutcome;
  readonly fromStatus: string | null;
  readonly toStatus: string | null;
  /** What was decided on: Midtrans's confirmed status (or the notification's, when none was asked). */
  readonly midtransTransactionStatus: string | null;
  readonly midtransTransactionId: string | null;
  /** The notification or status body, signature removed. */
  readonly payload: Record<string, unknown>;
  readonly jobId: string | null;
  readonly reasonCode: SyncReason | null;
  readonly reason: string | null;
  readonly reversal: boolean;
  readonly refundedAmount?: string | null;
  /** What the notification claimed ("settlement", "capture/challenge"), when one did. */
  readonly notifiedStatus?: string | null;
  /** The Get Status answer the decision rests on, signature removed. */
  readonly confirmation?: Record<string, unknown> | null;
}

export async function insertSyncLog(tx: Db, row: SyncLogInput): Promise<string> {
  const [id] = await insertSyncLogs(tx, [row]);
  if (!id) {
    throw new Error('insert into core_payment_sync_logs returned no row');
  }
  return id;
}

/**
 * Inserts many sync log rows in one statement and returns their ids in the order given (ids
 * come from the table's sequence in insertion order, and rows are inserted in that order).
 */
export async function insertSyncLogs(tx: Db, rows: readonly SyncLogInput[]): Promise<string[]> {
  if (rows.length === 0) {
    return [];
  }
  // One JSON document for the whole batch: no per-array escaping of the bodies it carries.
  const doc = rows.map((r) => ({
    order_code: r.orderCode,
    payment_id: r.paymentId,
    sync_type: r.syncType,
    outcome: r.outcome,
    from_status: r.fromStatus,
    to_status: r.toStatus,
    midtrans_transaction_status: r.midtransTransactionStatus,
    midtrans_transaction_id: r.midtransTransactionId,
    payload: r.payload,
    job_id: r.jobId,
    reason_code: r.reasonCode,
    reason: r.reason,
    reversal: r.reversal,
    refunded_amount: r.refundedAmount ?? null,
    notified_status: r.notifiedStatus ?? null,
    confirmation: r.confirmation ?? null,
  }));
  const inserted = await tx<{ id: string }[]>`
    WITH rows AS (
      INSERT INTO core_payment_sync_logs (
        order_code, payment_id, sync_type, outcome, from_status, to_status,
        midtrans_transaction_status, midtrans_transaction_id, payload, job_id, reason_code, reason, reversal,
        refunded_amount, notified_status, confirmation)
      SELECT r->>'order_code', (r->>'payment_id')::bigint, r->>'sync_type', r->>'outcome', r->>'from_status',
             r->>'to_status', r->>'midtrans_transaction_status', r->>'midtrans_transaction_id', r->'payload',
             r->>'job_id', r->>'reason_code', r->>'reason', (r->>'reversal')::boolean,
             (r->>'refunded_amount')::numeric, r->>'notified_status', NULLIF(r->'confirmation', 'null'::jsonb)
      FROM jsonb_array_elements(${tx.json(doc as never)}) WITH ORDINALITY AS u(r, n)
      ORDER BY n
      RETURNING id
    )
    SELECT id::text AS id FROM rows ORDER BY rows.id`;
  if (inserted.length !== rows.length) {
    throw new Error(`insert into core_payment_sync_logs returned ${inserted.length} of ${rows.length} rows`);
  }
  return inserted.map((r) => r.id);
}
