/**
 * The simulated Midtrans account: creates transactions, moves them through their states and
 * hands every change to the notifier. HTTP routes and the programmatic API both call this, so
 * they behave the same. Failures are MidtransApiError with Midtrans's codes.
 */
import { randomUUID } from 'node:crypto';
import { formatMidtransTime } from '@lunas/midtrans';
import type { Logger } from 'pino';
import type { Random } from '../faults/prng.js';
import type { DeliveryRecord } from '../notify/delivery-record.js';
import type { Notifier } from '../notify/notifier.js';
import {
  buildNotification,
  buildStatusResponse,
  DEFAULT_MERCHANT_ID,
  transactionFields,
} from '../notify/payload.js';
import type { Scheduler } from '../notify/scheduler.js';
import { chargeRequestSchema, snapRequestSchema, validationMessages } from './charge-request.js';
import type { ParsedChargeRequest } from './charge-request.js';
import { errors, MidtransApiError } from './errors.js';
import type { CompatOptions } from './format.js';
import { notificationUrls } from './notification-urls.js';
import { initialStateFor } from './payment-methods.js';
import { refundTransaction } from './refund.js';
import type { RefundParams } from './refund.js';
import { choiceToCharge, defaultChoice, snapChoiceSchema } from './snap-methods.js';
import type { SnapChoice } from './snap-methods.js';
import { TransactionStore } from './store.js';
import { ACTION_MESSAGES, planTransition } from './transitions.js';
import type { Action } from './transitions.js';
import type { NotificationRouting, SimTransaction, StatusPayload } from './types.js';

export interface EngineOptions {
  serverKey: string;
  notificationUrl: string | undefined;
  timeScale: number;
  autoExpire: boolean;
  /** Real delay (before time scaling) between a refund and its bank-confirmed notification. */
  refundConfirmationMs: number;
  compat: CompatOptions;
  scheduler: Scheduler;
  notifier: Notifier;
  random: Random;
  baseUrl: () => string;
  logger: Logger;
}

/** The 4024 0071 7626 5022 card turns from pending to capture after about 60 s (§8). */
const PENDING_CARD_CAPTURE_MS = 60_000;

export class Engine {
  readonly store = new TransactionStore();
  readonly #o: EngineOptions;

  constructor(options: EngineOptions) {
    this.#o = options;
  }

  /** POST /v2/charge. */
  charge(body: unknown, routing: NotificationRouting = {}): StatusPayload {
    const parsed = chargeRequestSchema.safeParse(body);
    if (!parsed.success) {
      throw errors.validation(validationMessages(parsed.error));
    }
    this.#assertOrderFree(parsed.data.transaction_details.order_id);
    const { tx, message } = this.#create(parsed.data, routing);
    return this.#response(tx, message);
  }

  /** POST /snap/v1/transactions: no transaction exists until a method is chosen. */
  createSnap(body: unknown, routing: NotificationRouting = {}): { token: string; redirect_url: string } {
    const parsed = snapRequestSchema.safeParse(body);
    if (!parsed.success) {
      throw errors.validation(validationMessages(parsed.error));
    }
    const orderId = parsed.data.transaction_details.order_id;
    this.#assertOrderFree(orderId);
    const token = randomUUID();
    this.store.addSnap({ token, orderId, request: parsed.data, routing, transactionId: undefined });
    return { token, redirect_url: `${this.#o.baseUrl()}/snap/v4/redirection/${token}` };
  }

  /** The customer picks a method on the Snap page (by order_id or Snap token). */
  chooseSnapMethod(idOrToken: string, choice: SnapChoice): StatusPayload {
    const session = this.store.openSnap(idOrToken);
    if (!session) {
      throw errors.notFound();
    }
    const parsedChoice = snapChoiceSchema.safeParse(choice);
    if (!parsedChoice.success) {
      throw errors.validation(validationMessages(parsedChoice.error));
    }
    return this.#chooseFor(session.orderId, choiceToCharge(parsedChoice.data));
  }

  /** Get Status: the latest transaction of an order, or one transaction by its id. */
  status(id: string): StatusPayload {
    const tx = this.store.find(id);
    if (!tx) {
      throw new MidtransApiError(404, "Transaction doesn't exist.", { id: randomUUID() });
    }
    return this.#response(tx, 'Success, transaction is found');
  }

  peek(id: string): StatusPayload | undefined {
    const tx = this.store.find(id);
    return tx ? this.#response(tx, 'Success, transaction is found') : undefined;
  }

  list(): StatusPayload[] {
    return this.store.all().map((tx) => this.#response(tx, 'Success, transaction is found'));
  }

  /** The order an id belongs to (transaction, order or open Snap token), for scoped faults. */
  orderIdOf(id: string): string | undefined {
    return this.store.find(id)?.orderId ?? this.store.openSnap(id)?.orderId;
  }

  deliveries(id: string): DeliveryRecord[] {
    const tx = this.store.find(id);
    const ids = tx && tx.transactionId === id ? [tx] : this.store.related(id);
    return this.#o.notifier.history(new Set(ids.map((t) => t.transactionId)));
  }

  /** Applies an action; "pay" on an open Snap session first chooses its default method. */
  act(id: string, action: Action): StatusPayload {
    const session = action === 'pay' ? this.store.openSnap(id) : undefined;
    if (session) {
      this.#chooseFor(session.orderId, defaultChoice(session.request.enabled_payments));
    }
    const tx = this.#find(id);
    const steps = planTransition(tx, action);
    if (!steps) {
      throw errors.wrongState(tx.fraudStatus === 'challenge' ? `${tx.status}/challenge` : tx.status);
    }
    for (const step of steps) {
      this.#apply(tx, step.status, step.fraudStatus);
    }
    return this.#response(tx, ACTION_MESSAGES[action]);
  }

  /** POST /v2/:id/refund. */
  refund(id: string, params: RefundParams = {}): StatusPayload {
    const tx = this.#find(id);
    const record = refundTransaction(tx, params, this.#o.random);
    this.#emit(tx);
    // Midtrans sends a second refund notification once the bank confirms (§1.3).
    this.#o.scheduler.later(
      this.#o.refundConfirmationMs * this.#o.timeScale,
      () => {
        record.bank_confirmed_at = formatNow();
        this.#emit(tx);
      },
      { tracked: true },
    );
    return {
      ...this.#response(tx, 'Success, refund request is approved'),
      refund_chargeback_id: record.refund_chargeback_id,
      refund_amount: record.refund_amount,
      refund_key: record.refund_key,
    };
  }

  reset(): void {
    this.store.clear();
  }

  #find(id: string): SimTransaction {
    const tx = this.store.find(id);
    if (!tx) {
      throw errors.notFound();
    }
    return tx;
  }

  #assertOrderFree(orderId: string): void {
    const latest = this.store.latestOfOrder(orderId);
    if (this.store.openSnap(orderId) || (latest && !this.#o.compat.reusableAfter.includes(latest.status))) {
      throw errors.duplicateOrder();
    }
  }

  #chooseFor(orderId: string, charge: Record<string, unknown>): StatusPayload {
    const session = this.store.openSnap(orderId);
    if (!session) {
      throw errors.notFound();
    }
    const { enabled_payments: _enabled, ...request } = session.request;
    const parsed = chargeRequestSchema.safeParse({ ...request, ...charge });
    if (!parsed.success) {
      throw errors.validation(validationMessages(parsed.error));
    }
    const { tx, message } = this.#create(parsed.data, session.routing);
    session.transactionId = tx.transactionId;
    return this.#response(tx, message);
  }

  #create(req: ParsedChargeRequest, routing: NotificationRouting): { tx: SimTransaction; message: string } {
    const transactionId = randomUUID();
    const now = new Date();
    const initial = initialStateFor(req, {
      transactionId,
      baseUrl: this.#o.baseUrl(),
      random: this.#o.random,
    });
    const echo: Record<string, unknown> = {};
    for (const key of ['custom_field1', 'custom_field2', 'custom_field3', 'metadata'] as const) {
      if (req[key] !== undefined) {
        echo[key] = req[key];
      }
    }
    const tx: SimTransaction = {
      transactionId,
      orderId: req.transaction_details.order_id,
      paymentType: req.payment_type,
      grossAmount: req.transaction_details.gross_amount,
      currency: 'IDR',
      merchantId: DEFAULT_MERCHANT_ID,
      transactionTime: now,
      expiryTime: initial.expiryMs === undefined ? undefined : new Date(now.getTime() + initial.expiryMs),
      status: initial.status,
      fraudStatus: initial.fraudStatus,
      settlementTime: undefined,
      details: initial.details,
      echo,
      refunds: [],
      notificationUrls: notificationUrls(this.#o.notificationUrl, routing),
      card: initial.card,
    };
    this.store.add(tx);
    this.#emit(tx);
    this.#scheduleTimedTransitions(tx, initial.expiryMs);
    return { tx, message: initial.chargeMessage };
  }

  #scheduleTimedTransitions(tx: SimTransaction, expiryMs: number | undefined): void {
    const { scheduler, timeScale, autoExpire } = this.#o;
    const attempt = (action: Action): void => {
      const steps = this.store.find(tx.transactionId) === tx ? planTransition(tx, action) : null;
      for (const step of steps ?? []) {
        this.#apply(tx, step.status, step.fraudStatus);
      }
    };
    if (tx.card === 'pending-then-accept') {
      scheduler.later(PENDING_CARD_CAPTURE_MS * timeScale, () => attempt('auto-capture'), { tracked: false });
    }
    if (autoExpire && expiryMs !== undefined) {
      scheduler.later(expiryMs * timeScale, () => attempt('expire'), { tracked: false });
    }
  }

  #apply(tx: SimTransaction, status: SimTransaction['status'], fraud: SimTransaction['fraudStatus']): void {
    tx.status = status;
    if (fraud !== undefined) {
      tx.fraudStatus = fraud;
    }
    if (status === 'settlement') {
      tx.settlementTime = new Date();
      if (Array.isArray(tx.details.payment_amounts)) {
        tx.details.payment_amounts = [{ paid_at: formatNow(), amount: tx.grossAmount.toFixed(2) }];
      }
    }
    this.#emit(tx);
  }

  #emit(tx: SimTransaction): void {
    const { serverKey, compat, notifier } = this.#o;
    notifier.notify(tx, buildNotification(transactionFields(tx, 'notification', compat), serverKey, compat));
  }

  #response(tx: SimTransaction, message: string): StatusPayload {
    const { serverKey, compat } = this.#o;
    return buildStatusResponse(transactionFields(tx, 'status', compat), serverKey, message, compat);
  }
}

function formatNow(): string {
  return formatMidtransTime(new Date());
}
