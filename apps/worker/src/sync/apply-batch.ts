/**
 * The state of one apply transaction over many confirmed statuses (apply-status.ts decides,
 * this holds and writes). The batch locks every order and payment row it needs in two
 * statements, keeps the rows in memory while the statuses are decided one after another in
 * the order given (so two statuses of one payment in a batch see each other, exactly as two
 * transactions one after the other would), and writes at the end one statement per step:
 * payments, orders, watches, ledger, sync log, events.
 *
 * Two writes read what earlier ones left, so they flush first: a documented reversal (its
 * order's status depends on the other payments) and a failed payment's watch (it depends on
 * whether the order is paid). Everything else the batch decides depends only on the locked
 * rows and on its own in-memory state.
 */
import type { AppliedTransition, MismatchKind, PaymentStatus } from '@lunas/core';
import {
  findOrdersForMidtrans,
  insertLunasPayment,
  insertSyncLogs,
  insertTransitionsEvents,
  markOrderReversed,
  markOrdersPaid,
  matchPayment,
  startPaidWatches,
  stopPaidWatches,
  writeMismatches,
  writePayments,
  type LockedPayment,
  type OrderRow,
  type PaymentWrite,
  type SyncLogInput,
  type TransactionSql,
} from '@lunas/db';
import { paymentLinkBaseOrderId, type MidtransNotification } from '@lunas/midtrans';

/** A payment row while the batch holds it: what it holds now, and what the database holds. */
export interface HeldPayment {
  readonly paymentId: string;
  readonly orderId: string;
  paymentStatus: string;
  transactionId: string | null;
  refundedAmount: string;
  paidAt: Date | null;
  mismatchKind: string | null;
  /** The status the database row holds (the compare-and-set's expectation). */
  dbStatus: string;
  /** Fields to write (null: nothing pending). */
  pending: Omit<PaymentWrite, 'paymentId' | 'expectStatus' | 'status'> | null;
  mismatchChanged: boolean;
  /** Reconciliation watch operations in the order decided. */
  watchOps: ('start' | 'stop')[];
}

/** An order while the batch holds it. */
export interface HeldOrder {
  readonly row: OrderRow;
  status: string;
}

/** Whether a decision's mark changed its order: known once the batch has written its orders. */
export type PaidMark = () => boolean;

export class ApplyBatch {
  private readonly orders: (HeldOrder | null)[];
  private readonly payments = new Map<string, HeldPayment[]>();
  private readonly paidMarks = new Map<string, { paidAt: Date; changed: boolean | null }>();
  private readonly logs: SyncLogInput[] = [];
  private readonly events: { logIndex: number; build: () => AppliedTransition }[] = [];
  private readonly watchStarts = new Map<string, { forMs: number; firstCheckAfterMs: number }>();
  private syncLogIds: string[] = [];

  private constructor(
    readonly tx: TransactionSql,
    orders: readonly (OrderRow | null)[],
    payments: ReadonlyMap<string, LockedPayment[]>,
    private readonly mirrors: boolean,
  ) {
    const held = new Map<string, HeldOrder>();
    this.orders = orders.map((o) => {
      if (!o) {
        return null;
      }
      const known = held.get(o.orderId) ?? { row: o, status: o.orderStatus };
      held.set(o.orderId, known);
      return known;
    });
    for (const [orderId, rows] of payments) {
      this.payments.set(orderId, rows.map(holdPayment));
    }
  }

  /** Locks the orders and payment rows of these statuses (in id order) and holds them. */
  static async open(
    tx: TransactionSql,
    statuses: readonly MidtransNotification[],
    shopOrders: 'builtin' | 'adapter' | undefined,
  ): Promise<ApplyBatch> {
    const locked = await findOrdersForMidtrans(
      tx,
      statuses.map((s) => ({ midtransOrderId: s.order_id, baseOrderId: paymentLinkBaseOrderId(s.order_id) })),
      true,
      shopOrders,
    );
    // Mirror rows exist only where the view is not Lunas's own table.
    return new ApplyBatch(tx, locked.orders, locked.payments, shopOrders !== 'builtin');
  }

  orderAt(index: number): HeldOrder | null {
    return this.orders[index] ?? null;
  }

  paymentsOf(orderId: string): readonly HeldPayment[] {
    return this.payments.get(orderId) ?? [];
  }

  /** The payment row of a confirmed transaction (see matchPayment). */
  match(orderId: string, transactionId: string): HeldPayment | null {
    return matchPayment(this.paymentsOf(orderId), transactionId);
  }

  /** Records a payment row for a transaction the order has no row for (source 'lunas'). */
  async createPayment(order: HeldOrder, status: MidtransNotification): Promise<HeldPayment> {
    const row = await insertLunasPayment(this.tx, {
      orderId: order.row.orderId,
      transactionId: status.transaction_id,
      midtransOrderId: status.order_id,
    });
    const held = holdPayment({ ...row, orderId: order.row.orderId, mismatchKind: null });
    this.payments.set(order.row.orderId, [held, ...this.paymentsOf(order.row.orderId)]);
    return held;
  }

  /** Moves the payment (a compare-and-set at flush) and learns what Midtrans confirmed. */
  setPayment(
    payment: HeldPayment,
    to: PaymentStatus | null,
    fields: {
      transactionId: string;
      midtransOrderId: string;
      paymentMethod?: string | null;
      grossAmount?: string | null;
      refundedAmount?: string | null;
      paidAt?: Date | null;
    },
  ): void {
    const before = payment.pending;
    payment.pending = {
      transactionId: payment.transactionId ?? fields.transactionId,
      midtransOrderId: before?.midtransOrderId ?? fields.midtransOrderId,
      paymentMethod: fields.paymentMethod ?? before?.paymentMethod ?? null,
      grossAmount: fields.grossAmount ?? before?.grossAmount ?? null,
      refundedAmount: fields.refundedAmount ?? before?.refundedAmount ?? null,
      paidAt: fields.paidAt ?? before?.paidAt ?? null,
    };
    payment.transactionId = payment.pending.transactionId;
    if (to) {
      payment.paymentStatus = to;
    }
    payment.refundedAmount = fields.refundedAmount ?? payment.refundedAmount;
    payment.paidAt = fields.paidAt ?? payment.paidAt;
  }

  /**
   * The order becomes PAID (shop_mark_order at flush). Of several marks of one order before a
   * flush, the first decides and the others change nothing, as they would one after another.
   */
  markPaid(order: HeldOrder, paidAt: Date): PaidMark {
    const pending = this.paidMarks.get(order.row.orderId);
    if (pending && pending.changed === null) {
      return () => false;
    }
    const mark: { paidAt: Date; changed: boolean | null } = { paidAt, changed: null };
    this.paidMarks.set(order.row.orderId, mark);
    return () => mark.changed === true;
  }

  /** A documented reversal: what is pending is written first, then the order is decided. */
  async markReversed(order: HeldOrder): Promise<boolean> {
    await this.flushState();
    const changed = await markOrderReversed(this.tx, order.row.orderId);
    if (changed) {
      order.status = 'PAYMENT_REVERSED';
    }
    return changed;
  }

  /** The order's status as the database holds it, with every pending order write done. */
  async orderStatus(order: HeldOrder): Promise<string> {
    if (this.paidMarks.get(order.row.orderId)?.changed === null) {
      await this.flushState();
    }
    return order.status;
  }

  watch(
    payment: HeldPayment,
    op: 'start' | 'stop',
    watch?: { forMs: number; firstCheckAfterMs: number },
  ): void {
    payment.watchOps.push(op);
    if (op === 'start' && watch) {
      this.watchStarts.set(payment.paymentId, watch);
    }
  }

  setMismatch(payment: HeldPayment, kind: MismatchKind | null): void {
    if (payment.mismatchKind !== kind) {
      payment.mismatchKind = kind;
      payment.mismatchChanged = true;
    }
  }

  /** Queues a sync log row; its id is known after flush (syncLogId). */
  log(row: SyncLogInput): number {
    return this.logs.push(row) - 1;
  }

  syncLogId(index: number): string {
    const id = this.syncLogIds[index];
    if (!id) {
      throw new Error(`sync log ${index} was not written`);
    }
    return id;
  }

  /** Queues the events of an applied transition (built at flush, once its order's mark is known). */
  event(logIndex: number, build: () => AppliedTransition): void {
    this.events.push({ logIndex, build });
  }

  /** Payments and orders: what later decisions may read back from the database. */
  private async flushState(): Promise<void> {
    const held = [...this.payments.values()].flat().filter((p) => p.pending);
    const writes: PaymentWrite[] = held.map((p) => ({
      paymentId: p.paymentId,
      expectStatus: p.dbStatus,
      status: p.paymentStatus,
      ...p.pending!,
    }));
    const moved = await writePayments(this.tx, writes);
    if (moved !== writes.length) {
      throw new Error(`${writes.length - moved} of ${writes.length} payments left their status while locked`);
    }
    for (const p of held) {
      p.dbStatus = p.paymentStatus;
      p.pending = null;
    }
    const marks = [...this.paidMarks.entries()].filter(([, m]) => m.changed === null);
    const changed = await markOrdersPaid(
      this.tx,
      marks.map(([orderId, m]) => ({ orderId, paidAt: m.paidAt })),
      this.mirrors,
    );
    for (const [orderId, m] of marks) {
      m.changed = changed.has(orderId);
      const order = this.orders.find((o) => o?.row.orderId === orderId);
      if (order && m.changed) {
        order.status = 'PAID';
      }
    }
  }

  /** Writes everything the batch decided; returns when the transaction may commit. */
  async flush(): Promise<void> {
    await this.flushState();
    const all = [...this.payments.values()].flat();
    const starts = all.filter((p) => p.watchOps.includes('start'));
    for (const watch of new Set(starts.map((p) => this.watchStarts.get(p.paymentId)!))) {
      const ids = starts.filter((p) => this.watchStarts.get(p.paymentId) === watch).map((p) => p.paymentId);
      await startPaidWatches(this.tx, ids, watch);
    }
    await stopPaidWatches(
      this.tx,
      all.filter((p) => p.watchOps.at(-1) === 'stop').map((p) => p.paymentId),
    );
    await writeMismatches(
      this.tx,
      all
        .filter((p) => p.mismatchChanged)
        .map((p) => ({ paymentId: p.paymentId, kind: p.mismatchKind as MismatchKind | null })),
    );
    this.syncLogIds = await insertSyncLogs(this.tx, this.logs);
    await insertTransitionsEvents(
      this.tx,
      this.events.map((e) => ({ transition: e.build(), syncLogId: this.syncLogId(e.logIndex) })),
    );
  }
}

function holdPayment(row: LockedPayment): HeldPayment {
  return {
    paymentId: row.paymentId,
    orderId: row.orderId,
    paymentStatus: row.paymentStatus,
    transactionId: row.transactionId,
    refundedAmount: row.refundedAmount,
    paidAt: row.paidAt,
    mismatchKind: row.mismatchKind,
    dbStatus: row.paymentStatus,
    pending: null,
    mismatchChanged: false,
    watchOps: [],
  };
}
