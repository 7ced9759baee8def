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
  const [inserted] = await tx<{ id: string }[]>`
    INSERT INTO core_payment_sync_logs (
      order_code, payment_id, sync_type, outcome, from_status, to_status,
      midtrans_transaction_status, midtrans_transaction_id, payload, job_id, reason_code, reason, reversal,
      refunded_amount, notified_status, confirmation)
    VALUES (
      ${row.orderCode}, ${row.paymentId}, ${row.syncType}, ${row.outcome}, ${row.fromStatus}, ${row.toStatus},
      ${row.midtransTransactionStatus}, ${row.midtransTransactionId}, ${tx.json(row.payload as never)},
      ${row.jobId}, ${row.reasonCode}, ${row.reason}, ${row.reversal},
      ${row.refundedAmount ?? null}::numeric, ${row.notifiedStatus ?? null},
      ${row.confirmation ? tx.json(row.confirmation as never) : null})
    RETURNING id`;
  if (!inserted) {
    throw new Error('insert into core_payment_sync_logs returned no row');
  }
  return inserted.id;
}
