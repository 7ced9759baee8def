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
  const col = (pick: (r: SyncLogInput) => string | boolean | null | undefined) =>
    rows.map((r) => asText(pick(r)));
  const inserted = await tx<{ id: string }[]>`
    WITH input AS (
      SELECT * FROM unnest(
        ${col((r) => r.orderCode)}::text[], ${col((r) => r.paymentId)}::text[], ${col((r) => r.syncType)}::text[],
        ${col((r) => r.outcome)}::text[], ${col((r) => r.fromStatus)}::text[], ${col((r) => r.toStatus)}::text[],
        ${col((r) => r.midtransTransactionStatus)}::text[], ${col((r) => r.midtransTransactionId)}::text[],
        ${col((r) => JSON.stringify(r.payload))}::text[], ${col((r) => r.jobId)}::text[],
        ${col((r) => r.reasonCode)}::text[], ${col((r) => r.reason)}::text[], ${col((r) => r.reversal)}::text[],
        ${col((r) => r.refundedAmount)}::text[], ${col((r) => r.notifiedStatus)}::text[],
        ${col((r) => (r.confirmation ? JSON.stringify(r.confirmation) : null))}::text[]
      ) WITH ORDINALITY AS u(order_code, payment_id, sync_type, outcome, from_status, to_status,
                             midtrans_transaction_status, midtrans_transaction_id, payload, job_id, reason_code,
                             reason, reversal, refunded_amount, notified_status, confirmation, n)
    ), rows AS (
      INSERT INTO core_payment_sync_logs (
        order_code, payment_id, sync_type, outcome, from_status, to_status,
        midtrans_transaction_status, midtrans_transaction_id, payload, job_id, reason_code, reason, reversal,
        refunded_amount, notified_status, confirmation)
      SELECT order_code, payment_id::bigint, sync_type, outcome, from_status, to_status,
             midtrans_transaction_status, midtrans_transaction_id, payload::jsonb, job_id, reason_code, reason,
             reversal::boolean, refunded_amount::numeric, notified_status, confirmation::jsonb
      FROM input ORDER BY n
      RETURNING id
    )
    SELECT id::text AS id FROM rows ORDER BY rows.id`;
  if (inserted.length !== rows.length) {
    throw new Error(`insert into core_payment_sync_logs returned ${inserted.length} of ${rows.length} rows`);
  }
  return inserted.map((r) => r.id);
}

/** null and undefined stay NULL; everything else travels as its string. */
function asText(value: string | boolean | null | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}
