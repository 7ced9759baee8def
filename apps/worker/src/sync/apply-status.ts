/**
 * Applies one status that Midtrans confirmed (a Get Status answer) to the order it belongs to,
 * in one Postgres transaction:
 *
 *   1. lock the order (exact order_code, else the Payment Link base code) and its payment rows;
 *   2. pick the payment row of this transaction: the row bound to its id, else the newest row
 *      without one; when every row is bound to another transaction, record a new row (source
 *      'lunas'). No payment row at all: the shop has not committed it yet, so wait (retryable);
 *   3. decide with the state machine (forward only; partial refunds step by amount; a reversal
 *      only where Midtrans documents one);
 *   4. guard money: becoming PAID needs the order's exact amount and currency;
 *   5. compare-and-set the payment; the order becomes PAID when one of its payments is paid
 *      (never from a refund whose settlement we never saw), PAYMENT_REVERSED when a documented
 *      reversal leaves it with no paid payment; record refunds[];
 *   6. put the payment on the mismatch ledger, or take it off, as the answer implies;
 *   7. insert the sync log row: exactly one 'applied' row per real transition.
 *
 * Nothing unsigned decides here: callers pass only what Get Status answered (docs/midtrans.md).
 */
import {
  AppError,
  classifyMismatch,
  decideTransition,
  FAILED_STATUSES,
  FINAL_STATUSES,
  formatMinorUnits,
  isPaymentStatus,
  mapMidtransStatus,
  paymentNotFoundMessage,
  REFUND_BRANCH_STATUSES,
  sameAmount,
  toMinorUnits,
  type MismatchKind,
  type PaymentStatus,
  type SyncOutcome,
  type SyncReason,
  type SyncType,
} from '@lunas/core';
import {
  bindTransactionId,
  compareAndSetPayment,
  findOrderForMidtrans,
  insertLunasPayment,
  insertSyncLog,
  insertTransitionEvents,
  listOrderPayments,
  markOrderPaid,
  markOrderReversed,
  matchPayment,
  runTx,
  setMismatch,
  startPaidWatch,
  stopPaidWatch,
  upsertRefunds,
  type OrderRow,
  type PaymentRow,
  type Sql,
  type TransactionSql,
} from '@lunas/db';
import {
  parseMidtransTime,
  paymentLinkBaseOrderId,
  refundFacts,
  reversalEvidence,
  withoutSignature,
  type MidtransNotification,
} from '@lunas/midtrans';

export interface ApplyStatusInput {
  readonly syncType: SyncType;
  /** The confirmed status: what Midtrans's Get Status answered. */
  readonly status: MidtransNotification;
  /** Stored in the sync log (signature removed): the notification, or the status answer. */
  readonly payload: Record<string, unknown>;
  /** What the notification claimed, when a notification led here ("capture/challenge"). */
  readonly notifiedStatus?: string | null;
  /** The Get Status answer the decision rests on (signature removed), stored beside the payload. */
  readonly confirmation?: Record<string, unknown> | null;
  readonly jobId: string | null;
  /**
   * How long reconciliation keeps checking a payment after it becomes paid, for a reversal or
   * a refund whose notification is lost (RECONCILE_PAID_WATCH_MS), and when it first checks
   * (the cadence's first step). Absent or forMs 0: no watch.
   */
  readonly paidWatch?: PaidWatch;
  /**
   * SHOP_ORDERS. In adapter mode the shop inserts no payment rows: a confirmed transaction of
   * an order the view shows gets its row from Lunas even when the order has none yet.
   */
  readonly shopOrders?: 'builtin' | 'adapter';
}

export interface PaidWatch {
  readonly forMs: number;
  readonly firstCheckAfterMs: number;
}

export interface ApplyStatusResult {
  readonly outcome: SyncOutcome;
  readonly orderCode: string;
  /** Null only for a notification rejected before any payment row was concerned. */
  readonly paymentId: string | null;
  readonly from: string;
  readonly to: string | null;
  readonly reversal: boolean;
  readonly reasonCode: SyncReason | null;
  readonly reason: string | null;
  readonly orderStatusChanged: boolean;
  /** The ledger entry this answer put the payment on (null: none, or cleared). */
  readonly mismatch: MismatchKind | null;
  /** Lunas recorded the payment row itself (a transaction the shop had no row for). */
  readonly paymentCreated: boolean;
  /** The payment's cumulative refunded amount after the answer. */
  readonly refundedAmount: string;
}

export async function applyMidtransStatus(
  sql: Sql,
  input: ApplyStatusInput,
  now: () => Date = () => new Date(),
): Promise<ApplyStatusResult> {
  const { status } = input;
  const incoming = mapMidtransStatus(status.transaction_status, status.fraud_status);
  const incomingRefunded = status.refund_amount ?? sumRefunds(status);

  return runTx(sql, async (tx) => {
    // 1–2. Lock the order and its payments; the payment of this transaction.
    const { order, payment, paymentCreated } = await lockPaymentOf(tx, status, input.shopOrders);
    const ctx: ApplyContext = { tx, input, incoming, order, payment, paymentCreated };
    const held = { everPaid: payment.paidAt !== null, refundedAmount: payment.refundedAmount };
    const current = payment.paymentStatus;

    // 3. Decide.
    if (incoming === null) {
      return recordResult(ctx, held, 'rejected', null, 'unknown_status', {
        reason: `undocumented status "${status.transaction_status}" / fraud "${status.fraud_status ?? ''}"`,
      });
    }
    if (!isPaymentStatus(current)) {
      return recordResult(ctx, held, 'rejected', incoming, 'unknown_payment_status', {
        reason: `payment row holds unknown status "${current}"`,
      });
    }
    // Refunds Midtrans lists are recorded whatever the decision (a bank confirmation comes as
    // a second notification that changes no status).
    if (REFUND_BRANCH_STATUSES.has(incoming)) {
      await recordRefunds(tx, payment.paymentId, status, incoming);
    }
    const decision = decideTransition(
      { status: current, refundedAmount: payment.refundedAmount },
      { status: incoming, refundedAmount: incomingRefunded },
      reversalEvidence(status),
    );
    if (decision.kind !== 'apply') {
      // A confirmed transaction id is learnt even when nothing else changes.
      if (payment.transactionId === null) {
        await bindTransactionId(tx, payment.paymentId, status.transaction_id, status.order_id);
      }
      return recordResult(ctx, held, decision.kind, incoming, null);
    }

    // 4. Money guard, whenever the payment becomes PAID.
    const refused = decision.to === 'PAID' ? moneyGuard(status, order) : null;
    if (refused) {
      return recordResult(ctx, held, 'rejected', incoming, 'amount_mismatch', { reason: refused });
    }

    // 5. Compare-and-set, the order, the watches.
    const applied = await applyDecision(ctx, decision, incomingRefunded, now);
    return recordResult(
      ctx,
      {
        everPaid: held.everPaid || applied.paidAt !== null,
        refundedAmount: applied.refundedAmount ?? held.refundedAmount,
      },
      'applied',
      decision.to,
      null,
      {
        reason: decision.withoutPayment ? 'refunded without a recorded payment' : null,
        reversal: decision.reversal,
        orderStatusChanged: applied.orderStatusChanged,
        dbStatus: decision.to,
      },
    );
  });
}

/** What one apply works on, inside its transaction. */
interface ApplyContext {
  readonly tx: TransactionSql;
  readonly input: ApplyStatusInput;
  readonly incoming: PaymentStatus | null;
  readonly order: OrderRow;
  readonly payment: PaymentRow;
  readonly paymentCreated: boolean;
}

/** What the payment holds when the result is recorded. */
interface HeldState {
  readonly everPaid: boolean;
  readonly refundedAmount: string;
}

type ApplyDecision = Extract<ReturnType<typeof decideTransition>, { kind: 'apply' }>;

/**
 * 1. Locks the order, then its payments. 2. Picks the payment of this transaction, or records
 * a new one (source 'lunas'). No payment row at all: the shop has not committed it yet.
 */
async function lockPaymentOf(
  tx: TransactionSql,
  status: MidtransNotification,
  shopOrders: 'builtin' | 'adapter' | undefined,
): Promise<{ order: OrderRow; payment: PaymentRow; paymentCreated: boolean }> {
  const order = await findOrderForMidtrans(
    tx,
    status.order_id,
    paymentLinkBaseOrderId(status.order_id),
    true,
  );
  const payments = order ? await listOrderPayments(tx, order.orderId, true) : [];
  if (!order || (payments.length === 0 && shopOrders !== 'adapter')) {
    throw new AppError(
      'LUNAS_ERR_PAYMENT_NOT_FOUND',
      paymentNotFoundMessage(status.order_id, status.transaction_id),
    );
  }
  const matched = matchPayment(payments, status.transaction_id);
  if (matched) {
    return { order, payment: matched, paymentCreated: false };
  }
  const payment = await insertLunasPayment(tx, {
    orderId: order.orderId,
    transactionId: status.transaction_id,
    midtransOrderId: status.order_id,
  });
  return { order, payment, paymentCreated: true };
}

/** The refunds (or chargebacks) Midtrans lists for the payment. */
async function recordRefunds(
  tx: TransactionSql,
  paymentId: string,
  status: MidtransNotification,
  incoming: PaymentStatus,
): Promise<void> {
  await upsertRefunds(
    tx,
    paymentId,
    refundFacts(status).map((r) => ({
      identity: r.identity,
      kind: incoming === 'CHARGEBACK' || incoming === 'PARTIALLY_CHARGED_BACK' ? 'chargeback' : 'refund',
      refundChargebackId: r.refundChargebackId,
      refundKey: r.refundKey,
      amount: r.amount,
      reason: r.reason,
      refundedAt: parseMidtransTime(r.createdAt),
      bankConfirmedAt: parseMidtransTime(r.bankConfirmedAt),
    })),
  );
}

/** 4. Why becoming PAID is refused (amount or currency differ from the order's), else null. */
function moneyGuard(status: MidtransNotification, order: OrderRow): string | null {
  const currency = (status.currency ?? 'IDR').toUpperCase();
  if (sameAmount(status.gross_amount, order.totalAmount) && currency === order.currency.toUpperCase()) {
    return null;
  }
  return `Midtrans ${status.gross_amount} ${currency}, order ${order.totalAmount} ${order.currency}`;
}

/**
 * 5. Compare-and-set. We hold the row lock, so a miss means the row changed under us in a way
 * the lock should have prevented: fail loudly and let the retry re-decide. Then the order
 * (PAID, or PAYMENT_REVERSED) and the reconciliation watches.
 */
async function applyDecision(
  ctx: ApplyContext,
  decision: ApplyDecision,
  incomingRefunded: string | null,
  now: () => Date,
): Promise<{ paidAt: Date | null; refundedAmount: string | null; orderStatusChanged: boolean }> {
  const { tx, input, order } = ctx;
  const { status } = input;
  const paymentId = ctx.payment.paymentId;
  const becomesPaid = decision.to === 'PAID';
  const paidAt = becomesPaid ? (parseMidtransTime(status.settlement_time) ?? now()) : null;
  const newRefunded = REFUND_BRANCH_STATUSES.has(decision.to) ? (incomingRefunded ?? null) : null;
  const moved = await compareAndSetPayment(tx, {
    paymentId,
    from: decision.from,
    to: decision.to,
    transactionId: status.transaction_id,
    midtransOrderId: status.order_id,
    paymentMethod: status.payment_type ?? null,
    grossAmount: status.gross_amount,
    refundedAmount: newRefunded,
    paidAt,
  });
  if (!moved) {
    throw new Error(`payment ${paymentId} left ${decision.from} while locked`);
  }
  let orderStatusChanged = false;
  if (becomesPaid && paidAt) {
    orderStatusChanged = await markOrderPaid(tx, order.orderId, paidAt);
  } else if (decision.reversal) {
    orderStatusChanged = await markOrderReversed(tx, order.orderId);
  }
  // Watches (reconciliation keeps checking for RECONCILE_PAID_WATCH_MS): a paid payment, for a
  // reversal or refund whose notification is lost; a failed payment of an order still unpaid,
  // for the order's next transaction (a Snap retry, a reused order id) whose notifications are
  // lost: no other row would ever lead the sweep to it.
  const watchFailed = FAILED_STATUSES.has(decision.to) && order.orderStatus !== 'PAID' && !orderStatusChanged;
  if ((becomesPaid || watchFailed) && input.paidWatch && input.paidWatch.forMs > 0) {
    await startPaidWatch(tx, paymentId, input.paidWatch);
  } else if (FINAL_STATUSES.has(decision.to)) {
    await stopPaidWatch(tx, paymentId);
  }
  return { paidAt, refundedAmount: newRefunded, orderStatusChanged };
}

/** 6. The ledger, from Midtrans's word against what we now hold. 7. The audit row. */
async function recordResult(
  ctx: ApplyContext,
  held: HeldState,
  outcome: SyncOutcome,
  to: string | null,
  reasonCode: SyncReason | null,
  extra: {
    reason?: string | null;
    reversal?: boolean;
    orderStatusChanged?: boolean;
    dbStatus?: PaymentStatus | null;
  } = {},
): Promise<ApplyStatusResult> {
  const { tx, input, order, payment, paymentCreated } = ctx;
  const { status } = input;
  const current = payment.paymentStatus;
  const paymentId = payment.paymentId;
  const reason = extra.reason ?? null;
  const reversal = extra.reversal ?? false;
  const dbStatus = extra.dbStatus ?? (isPaymentStatus(current) ? current : null);
  const mismatch =
    dbStatus === null
      ? null
      : classifyMismatch({
          midtrans: ctx.incoming,
          db: dbStatus,
          everPaid: held.everPaid,
          reason: reasonCode,
          reversal,
        });
  await setMismatch(tx, paymentId, mismatch);
  const syncLogId = await insertSyncLog(tx, {
    orderCode: order.orderCode,
    paymentId,
    syncType: input.syncType,
    outcome,
    fromStatus: current,
    toStatus: to,
    midtransTransactionStatus: status.transaction_status,
    midtransTransactionId: status.transaction_id,
    payload: input.payload,
    jobId: input.jobId,
    reasonCode,
    reason,
    reversal,
    refundedAmount:
      outcome === 'applied' && to && REFUND_BRANCH_STATUSES.has(to as PaymentStatus)
        ? held.refundedAmount
        : null,
    notifiedStatus: input.notifiedStatus ?? null,
    confirmation: input.confirmation ?? null,
  });
  // 8. The shop's events, in this same transaction (the outbox, docs/events.md).
  if (outcome === 'applied') {
    await recordEvents(ctx, held, to, syncLogId, extra);
  }
  return {
    outcome,
    orderCode: order.orderCode,
    paymentId,
    from: current,
    to,
    reversal,
    reasonCode,
    reason,
    orderStatusChanged: extra.orderStatusChanged ?? false,
    mismatch,
    paymentCreated,
    refundedAmount: held.refundedAmount,
  };
}

/** 8. The events of an applied transition (payment_events), with the sync log row they come from. */
async function recordEvents(
  ctx: ApplyContext,
  held: HeldState,
  to: string | null,
  syncLogId: string,
  extra: { reversal?: boolean; orderStatusChanged?: boolean },
): Promise<void> {
  const { tx, input, order, payment } = ctx;
  const { status } = input;
  if (!to || !isPaymentStatus(to)) {
    return;
  }
  await insertTransitionEvents(tx, {
    syncLogId,
    transition: {
      orderCode: order.orderCode,
      paymentId: payment.paymentId,
      transactionId: status.transaction_id,
      midtransOrderId: status.order_id,
      from: payment.paymentStatus,
      to,
      midtransStatus: status.transaction_status,
      paymentType: status.payment_type ?? null,
      grossAmount: status.gross_amount,
      currency: status.currency ?? order.currency,
      refundedBefore: payment.refundedAmount,
      refundedAfter: held.refundedAmount,
      reversal: extra.reversal ?? false,
      orderBecamePaid: to === 'PAID' && (extra.orderStatusChanged ?? false),
      occurredAt: new Date(),
    },
  });
}

/** refund_amount is the cumulative total; a body that lists refunds[] only is summed. */
function sumRefunds(status: MidtransNotification): string | null {
  const refunds = refundFacts(status);
  if (refunds.length === 0) {
    return null;
  }
  return formatMinorUnits(refunds.reduce((sum, r) => sum + (toMinorUnits(r.amount) ?? 0n), 0n));
}

export interface WithoutChangeInput {
  readonly orderCode: string;
  readonly paymentId: string | null;
  /** The payment's status, unchanged (null when no payment row is concerned). */
  readonly status: string | null;
  readonly outcome: 'duplicate' | 'rejected';
  readonly reasonCode?: SyncReason;
  /** The notification, as claimed (stored without its signature). */
  readonly claimed: MidtransNotification;
  readonly notifiedStatus: string;
  readonly jobId: string | null;
}

/**
 * Records a notification that changed nothing without a Get Status answer to rest on: a claim
 * of the status we already hold (duplicate), or one Midtrans does not confirm (rejected: its
 * transaction is unknown to Midtrans or belongs to another order). Binds nothing.
 */
export async function recordWithoutChange(sql: Sql, input: WithoutChangeInput): Promise<ApplyStatusResult> {
  const { claimed } = input;
  await insertSyncLog(sql, {
    orderCode: input.orderCode,
    paymentId: input.paymentId,
    syncType: 'webhook',
    outcome: input.outcome,
    fromStatus: input.status,
    toStatus: input.outcome === 'duplicate' ? input.status : null,
    midtransTransactionStatus: claimed.transaction_status,
    midtransTransactionId: claimed.transaction_id,
    payload: withoutSignature(claimed),
    jobId: input.jobId,
    reasonCode: input.reasonCode ?? null,
    reason: input.reasonCode ? 'not confirmed by Get Status' : null,
    reversal: false,
    notifiedStatus: input.notifiedStatus,
    confirmation: null,
  });
  return {
    outcome: input.outcome,
    orderCode: input.orderCode,
    paymentId: input.paymentId,
    from: input.status ?? '',
    to: input.outcome === 'duplicate' ? input.status : null,
    reversal: false,
    reasonCode: input.reasonCode ?? null,
    reason: null,
    orderStatusChanged: false,
    mismatch: null,
    paymentCreated: false,
    refundedAmount: '0',
  };
}
