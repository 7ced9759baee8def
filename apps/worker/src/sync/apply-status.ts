/**
 * Applies one Midtrans status result (a notification, or a Get Status answer) to the payment
 * it belongs to, in one Postgres transaction:
 *
 *   1. lock the payment row (by transaction_id, else the order's open payment);
 *   2. decide with the state machine (forward only; duplicates and stale results are no-ops);
 *   3. guard money: entering the paid branch needs the order's exact amount and currency;
 *   4. compare-and-set order_payments, move orders PENDING → PAID (or PAID → PAYMENT_REVERSED);
 *      a refund that arrives before any settlement still marks the order paid, since it was;
 *   5. insert the sync log row: exactly one 'applied' row per real transition.
 *
 * No payment row yet is not an error of the data: the shop may not have committed it. It is
 * thrown as retryable, and BullMQ's backoff (plus the fast path) brings the result back.
 */
import {
  AppError,
  decideTransition,
  FINAL_STATUSES,
  isPaidBranch,
  isPaymentStatus,
  mapMidtransStatus,
  paymentNotFoundMessage,
  sameAmount,
} from '@lunas/core';
import {
  claimTransactionId,
  compareAndSetPayment,
  insertSyncLog,
  lockPaymentForTransaction,
  markOrderPaid,
  markOrderReversed,
  runTx,
  startPaidWatch,
  stopPaidWatch,
  type Sql,
  type SyncOutcome,
  type SyncType,
} from '@lunas/db';
import { parseMidtransTime, type MidtransNotification } from '@lunas/midtrans';

export interface ApplyStatusInput {
  readonly syncType: SyncType;
  readonly status: MidtransNotification;
  /** Stored verbatim in the sync log. */
  readonly payload: Record<string, unknown>;
  readonly jobId: string | null;
  /**
   * How long reconciliation keeps checking a payment after it becomes paid, for a reversal or
   * a refund whose notification is lost (RECONCILE_PAID_WATCH_MS), and when it first checks
   * (the cadence's first step). Absent or forMs 0: no watch.
   */
  readonly paidWatch?: PaidWatch;
}

export interface PaidWatch {
  readonly forMs: number;
  readonly firstCheckAfterMs: number;
}

export interface ApplyStatusResult {
  readonly outcome: SyncOutcome;
  readonly orderCode: string;
  readonly paymentId: string;
  readonly from: string;
  readonly to: string | null;
  readonly reversal: boolean;
  readonly reason: string | null;
  readonly orderStatusChanged: boolean;
}

export async function applyMidtransStatus(
  sql: Sql,
  input: ApplyStatusInput,
  now: () => Date = () => new Date(),
): Promise<ApplyStatusResult> {
  const { status } = input;
  const incoming = mapMidtransStatus(status.transaction_status, status.fraud_status);

  return runTx(sql, async (tx) => {
    // 1. Lock.
    const payment = await lockPaymentForTransaction(tx, status.order_id, status.transaction_id);
    if (!payment) {
      throw new AppError(
        'LUNAS_ERR_PAYMENT_NOT_FOUND',
        paymentNotFoundMessage(status.order_id, status.transaction_id),
      );
    }
    const current = payment.paymentStatus;
    const record = async (
      outcome: SyncOutcome,
      to: string | null,
      reason: string | null,
      reversal = false,
      orderStatusChanged = false,
    ): Promise<ApplyStatusResult> => {
      await insertSyncLog(tx, {
        orderCode: payment.orderCode,
        paymentId: payment.paymentId,
        syncType: input.syncType,
        outcome,
        fromStatus: current,
        toStatus: to,
        midtransTransactionStatus: status.transaction_status,
        midtransTransactionId: status.transaction_id,
        payload: input.payload,
        jobId: input.jobId,
        reason,
        reversal,
      });
      return {
        outcome,
        orderCode: payment.orderCode,
        paymentId: payment.paymentId,
        from: current,
        to,
        reversal,
        reason,
        orderStatusChanged,
      };
    };

    // 2. Decide.
    if (incoming === null) {
      return record('rejected', null, `unknown transaction_status "${status.transaction_status}"`);
    }
    if (!isPaymentStatus(current)) {
      return record('rejected', incoming, `payment row has unknown payment_status "${current}"`);
    }
    const decision = decideTransition(current, incoming);
    if (decision.kind !== 'apply') {
      // Learn the transaction id even when nothing else changes, so later results match by it.
      if (payment.transactionId === null) {
        await claimTransactionId(tx, payment.paymentId, status.transaction_id);
      }
      return record(decision.kind, incoming, null);
    }

    // 3. Money guard, whenever the payment enters the paid branch (PAID, or a refund or
    // chargeback whose settlement notification never came).
    const entersPaid = isPaidBranch(decision.to) && !isPaidBranch(decision.from);
    if (entersPaid) {
      const currency = (status.currency ?? 'IDR').toUpperCase();
      if (
        !sameAmount(status.gross_amount, payment.totalAmount) ||
        currency !== payment.currency.toUpperCase()
      ) {
        return record(
          'rejected',
          incoming,
          `amount mismatch: Midtrans ${status.gross_amount} ${currency}, order ${payment.totalAmount} ${payment.currency}`,
        );
      }
    }

    // 4. Compare-and-set. We hold the row lock, so a miss means the row changed under us in a
    // way the lock should have prevented: fail loudly and let the retry re-decide.
    const paidAt = entersPaid ? (parseMidtransTime(status.settlement_time) ?? now()) : null;
    const moved = await compareAndSetPayment(tx, {
      paymentId: payment.paymentId,
      from: decision.from,
      to: decision.to,
      transactionId: status.transaction_id,
      paymentMethod: status.payment_type ?? null,
      grossAmount: status.gross_amount,
      paidAt,
    });
    if (!moved) {
      throw new Error(`payment ${payment.paymentId} left ${decision.from} while locked`);
    }
    let orderStatusChanged = false;
    if (entersPaid && paidAt) {
      orderStatusChanged = await markOrderPaid(tx, payment.orderId, paidAt);
    } else if (decision.reversal) {
      orderStatusChanged = await markOrderReversed(tx, payment.orderId);
    }
    if (entersPaid && input.paidWatch && input.paidWatch.forMs > 0) {
      await startPaidWatch(tx, payment.paymentId, input.paidWatch);
    } else if (FINAL_STATUSES.has(decision.to)) {
      await stopPaidWatch(tx, payment.paymentId);
    }

    // 5. Audit.
    return record('applied', decision.to, null, decision.reversal, orderStatusChanged);
  });
}
