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
  type AppliedTransition,
} from '@lunas/core';
import {
  runTx,
  upsertRefunds,
  type OrderRow,
  type Sql,
  type SyncLogInput,
  type TransactionSql,
} from '@lunas/db';
import {
  parseMidtransTime,
  refundFacts,
  reversalEvidence,
  withoutSignature,
  type MidtransNotification,
} from '@lunas/midtrans';
import { ApplyBatch, type HeldOrder, type HeldPayment } from './apply-batch.js';

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

/**
 * Applies one confirmed status in its own transaction (a batch of one). Throws what the batch
 * would return for it: LUNAS_ERR_PAYMENT_NOT_FOUND while the shop has not committed the row.
 */
export async function applyMidtransStatus(
  sql: Sql,
  input: ApplyStatusInput,
  now: () => Date = () => new Date(),
): Promise<ApplyStatusResult> {
  const [result] = await applyMidtransStatuses(sql, [input], now);
  if (!result || result instanceof Error) {
    throw result ?? new Error('apply returned no result');
  }
  return result;
}

/**
 * Applies many confirmed statuses in one transaction, one statement per step (apply-batch.ts),
 * each decided in turn by the same state machine. Each gets its own outcome: a result, or the
 * error of a status that cannot be applied yet (no payment row). An error of the database
 * fails the whole transaction; the caller then applies each alone (apply-batcher.ts).
 */
export async function applyMidtransStatuses(
  sql: Sql,
  inputs: readonly ApplyStatusInput[],
  now: () => Date = () => new Date(),
): Promise<(ApplyStatusResult | Error)[]> {
  if (inputs.length === 0) {
    return [];
  }
  // One mode per process; a batch that mixes them (tests) takes the general path.
  const shopOrders = inputs.every((i) => i.shopOrders === 'builtin') ? 'builtin' : undefined;
  return runTx(sql, async (tx) => {
    const batch = await ApplyBatch.open(
      tx,
      inputs.map((i) => i.status),
      shopOrders,
    );
    const decided: ((() => ApplyStatusResult) | Error)[] = [];
    for (const [index, input] of inputs.entries()) {
      decided.push(await applyOne(batch, index, input, now));
    }
    await batch.flush();
    return decided.map((d) => (d instanceof Error ? d : d()));
  });
}

/** Decides one status against what the batch holds; its result is read after the flush. */
async function applyOne(
  batch: ApplyBatch,
  index: number,
  input: ApplyStatusInput,
  now: () => Date,
): Promise<(() => ApplyStatusResult) | Error> {
  const { status } = input;
  const incoming = mapMidtransStatus(status.transaction_status, status.fraud_status);
  const incomingRefunded = status.refund_amount ?? sumRefunds(status);

  // 1–2. The order and the payment of this transaction (locked by the batch).
  const found = await paymentOf(batch, index, status, input.shopOrders);
  if (found instanceof Error) {
    return found;
  }
  const { order, payment, paymentCreated } = found;
  const ctx: ApplyContext = {
    batch,
    input,
    incoming,
    order,
    payment,
    paymentCreated,
    from: payment.paymentStatus,
    refundedBefore: payment.refundedAmount,
  };
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
    await recordRefunds(batch.tx, payment.paymentId, status, incoming);
  }
  const decision = decideTransition(
    { status: current, refundedAmount: payment.refundedAmount },
    { status: incoming, refundedAmount: incomingRefunded },
    reversalEvidence(status),
  );
  if (decision.kind !== 'apply') {
    // A confirmed transaction id is learnt even when nothing else changes.
    if (payment.transactionId === null) {
      batch.setPayment(payment, null, {
        transactionId: status.transaction_id,
        midtransOrderId: status.order_id,
      });
    }
    return recordResult(ctx, held, decision.kind, incoming, null);
  }

  // 4. Money guard, whenever the payment becomes PAID.
  const refused = decision.to === 'PAID' ? moneyGuard(status, order.row) : null;
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
}

/** What one decision works on, inside the batch's transaction. */
interface ApplyContext {
  readonly batch: ApplyBatch;
  readonly input: ApplyStatusInput;
  readonly incoming: PaymentStatus | null;
  readonly order: HeldOrder;
  readonly payment: HeldPayment;
  readonly paymentCreated: boolean;
  /** The payment's status and refunded amount before this decision. */
  readonly from: string;
  readonly refundedBefore: string;
}

/** What the payment holds when the result is recorded. */
interface HeldState {
  readonly everPaid: boolean;
  readonly refundedAmount: string;
}

type ApplyDecision = Extract<ReturnType<typeof decideTransition>, { kind: 'apply' }>;

/**
 * 1. The order (locked by the batch). 2. The payment of this transaction, or a new one
 * (source 'lunas'). No payment row at all: the shop has not committed it yet.
 */
async function paymentOf(
  batch: ApplyBatch,
  index: number,
  status: MidtransNotification,
  shopOrders: 'builtin' | 'adapter' | undefined,
): Promise<{ order: HeldOrder; payment: HeldPayment; paymentCreated: boolean } | AppError> {
  const order = batch.orderAt(index);
  if (!order || (batch.paymentsOf(order.row.orderId).length === 0 && shopOrders !== 'adapter')) {
    return new AppError(
      'LUNAS_ERR_PAYMENT_NOT_FOUND',
      paymentNotFoundMessage(status.order_id, status.transaction_id),
    );
  }
  const matched = batch.match(order.row.orderId, status.transaction_id);
  if (matched) {
    return { order, payment: matched, paymentCreated: false };
  }
  return { order, payment: await batch.createPayment(order, status), paymentCreated: true };
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
 * 5. Compare-and-set (written at flush against the status the lock read; a row that moved
 * under the lock fails the batch). Then the order (PAID, or PAYMENT_REVERSED) and the
 * reconciliation watches.
 */
async function applyDecision(
  ctx: ApplyContext,
  decision: ApplyDecision,
  incomingRefunded: string | null,
  now: () => Date,
): Promise<{ paidAt: Date | null; refundedAmount: string | null; orderStatusChanged: () => boolean }> {
  const { batch, input, order, payment } = ctx;
  const { status } = input;
  const becomesPaid = decision.to === 'PAID';
  const paidAt = becomesPaid ? (parseMidtransTime(status.settlement_time) ?? now()) : null;
  const newRefunded = REFUND_BRANCH_STATUSES.has(decision.to) ? (incomingRefunded ?? null) : null;
  batch.setPayment(payment, decision.to, {
    transactionId: status.transaction_id,
    midtransOrderId: status.order_id,
    paymentMethod: status.payment_type ?? null,
    grossAmount: status.gross_amount,
    refundedAmount: newRefunded,
    paidAt,
  });
  let orderStatusChanged: () => boolean = () => false;
  if (becomesPaid && paidAt) {
    orderStatusChanged = batch.markPaid(order, paidAt);
  } else if (decision.reversal) {
    const changed = await batch.markReversed(order);
    orderStatusChanged = () => changed;
  }
  // Watches (reconciliation keeps checking for RECONCILE_PAID_WATCH_MS): a paid payment, for a
  // reversal or refund whose notification is lost; a failed payment of an order still unpaid,
  // for the order's next transaction (a Snap retry, a reused order id) whose notifications are
  // lost: no other row would ever lead the sweep to it.
  const watchFailed =
    FAILED_STATUSES.has(decision.to) && (await batch.orderStatus(order)) !== 'PAID' && !orderStatusChanged();
  if ((becomesPaid || watchFailed) && input.paidWatch && input.paidWatch.forMs > 0) {
    batch.watch(payment, 'start', input.paidWatch);
  } else if (FINAL_STATUSES.has(decision.to)) {
    batch.watch(payment, 'stop');
  }
  return { paidAt, refundedAmount: newRefunded, orderStatusChanged };
}

/** 6. The ledger, from Midtrans's word against what we now hold. 7. The audit row. */
function recordResult(
  ctx: ApplyContext,
  held: HeldState,
  outcome: SyncOutcome,
  to: string | null,
  reasonCode: SyncReason | null,
  extra: {
    reason?: string | null;
    reversal?: boolean;
    orderStatusChanged?: () => boolean;
    dbStatus?: PaymentStatus | null;
  } = {},
): () => ApplyStatusResult {
  const { batch, input, order, payment, paymentCreated, from } = ctx;
  const { status } = input;
  const reason = extra.reason ?? null;
  const reversal = extra.reversal ?? false;
  const dbStatus = extra.dbStatus ?? (isPaymentStatus(from) ? from : null);
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
  batch.setMismatch(payment, mismatch);
  const logIndex = batch.log({
    orderCode: order.row.orderCode,
    paymentId: payment.paymentId,
    syncType: input.syncType,
    outcome,
    fromStatus: from,
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
  const orderStatusChanged = extra.orderStatusChanged ?? (() => false);
  // 8. The shop's events, in this same transaction (the outbox, docs/events.md).
  if (outcome === 'applied' && to && isPaymentStatus(to)) {
    batch.event(logIndex, () => transitionOf(ctx, held, to, reversal, orderStatusChanged()));
  }
  return () => ({
    outcome,
    orderCode: order.row.orderCode,
    paymentId: payment.paymentId,
    from,
    to,
    reversal,
    reasonCode,
    reason,
    orderStatusChanged: orderStatusChanged(),
    mismatch,
    paymentCreated,
    refundedAmount: held.refundedAmount,
  });
}

/** 8. The applied transition the shop's events describe. */
function transitionOf(
  ctx: ApplyContext,
  held: HeldState,
  to: PaymentStatus,
  reversal: boolean,
  orderStatusChanged: boolean,
): AppliedTransition {
  const { input, order, payment } = ctx;
  const { status } = input;
  return {
    orderCode: order.row.orderCode,
    paymentId: payment.paymentId,
    transactionId: status.transaction_id,
    midtransOrderId: status.order_id,
    from: ctx.from,
    to,
    midtransStatus: status.transaction_status,
    paymentType: status.payment_type ?? null,
    grossAmount: status.gross_amount,
    currency: status.currency ?? order.row.currency,
    refundedBefore: ctx.refundedBefore,
    refundedAfter: held.refundedAmount,
    reversal,
    orderBecamePaid: to === 'PAID' && orderStatusChanged,
    occurredAt: new Date(),
  };
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
export async function recordWithoutChange(
  log: (row: SyncLogInput) => Promise<unknown>,
  input: WithoutChangeInput,
): Promise<ApplyStatusResult> {
  const { claimed } = input;
  await log({
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
