/** core_payment_sync_logs: one row for every notification or status result the worker decides on. */
import type { Sql, TransactionSql } from '../client.js';

type Db = Sql | TransactionSql;

export type SyncType = 'webhook' | 'reconcile' | 'manual';
export type SyncOutcome = 'applied' | 'duplicate' | 'stale' | 'rejected';

export interface SyncLogInput {
  readonly orderCode: string;
  readonly paymentId: string | null;
  readonly syncType: SyncType;
  readonly outcome: SyncOutcome;
  readonly fromStatus: string | null;
  readonly toStatus: string | null;
  readonly midtransTransactionStatus: string | null;
  readonly midtransTransactionId: string | null;
  /** The raw notification or status response. */
  readonly payload: Record<string, unknown>;
  readonly jobId: string | null;
  readonly reason: string | null;
  readonly reversal: boolean;
}

export async function insertSyncLog(tx: Db, row: SyncLogInput): Promise<string> {
  const [inserted] = await tx<{ id: string }[]>`
    INSERT INTO core_payment_sync_logs (
      order_code, payment_id, sync_type, outcome, from_status, to_status,
      midtrans_transaction_status, midtrans_transaction_id, payload, job_id, reason, reversal)
    VALUES (
      ${row.orderCode}, ${row.paymentId}, ${row.syncType}, ${row.outcome}, ${row.fromStatus}, ${row.toStatus},
      ${row.midtransTransactionStatus}, ${row.midtransTransactionId}, ${tx.json(row.payload as never)},
      ${row.jobId}, ${row.reason}, ${row.reversal})
    RETURNING id`;
  if (!inserted) {
    throw new Error('insert into core_payment_sync_logs returned no row');
  }
  return inserted.id;
}
