/**
 * The simulated Midtrans account: creates transactions, moves them through their states and
 * hands every change to the notifier. HTTP routes and the programmatic API both call this, so
 * they behave the same. Failures are MidtransApiError with Midtrans's codes.
 */
import { randomUUID } from 'node:crypto';
import { formatMidtransTime, verifySignature } from '@lunas/midtrans';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Random } from '../faults/prng.js';
import type { DeliveryRecord } from '../notify/delivery-record.js';
import type { InjectionRecord, Injector } from '../notify/injections.js';
import type { Notifier } from '../notify/notifier.js';
import { subscriptionBody, testNotificationBody } from '../notify/one-shot-bodies.js';
import type { SubscriptionNotifyOptions, TestNotificationOptions } from '../notify/one-shot-bodies.js';
import {
  buildNotification,
  buildStatusResponse,
  DEFAULT_MERCHANT_ID,
  transactionFields,
} from '../notify/payload.js';
import { applyReplayEdit, replayEditSchema } from '../notify/replay-edit.js';
import type { Scheduler } from '../notify/scheduler.js';
import {
  chargeRequestSchema,
  snapRequestSchema,
  transactionDetailsSchema,
  validationMessages,
} from './charge-request.js';
import type { ParsedChargeRequest } from './charge-request.js';
import { errors, MidtransApiError } from './errors.js';
import type { CompatOptions } from './format.js';
import { notificationUrls } from './notification-urls.js';
import { initialStateFor } from './payment-methods.js';
import { chargebackTransaction, refundTransaction } from './refund.js';
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
  injector: Injector;
  baseUrl: () => string;
  logger: Logger;
}

/**
 * A retry's payment method: a Snap name or Core payment_type (plus its fragment), or a test
 * card number (shorthand for credit_card.token_id). Nothing: the same method again (a card
 * retries with 4811 1111 1111 1114).
 */
export const retryChoiceSchema = z.looseObject({
  payment_type: z.string().min(1).optional(),
  card: z.string().min(1).optional(),
});
export type RetryChoice = z.input<typeof retryChoiceSchema>;

export const paymentLinkSchema = z.looseObject({
  order_id: transactionDetailsSchema.shape.order_id,
  gross_amount: transactionDetailsSchema.shape.gross_amount,
  payment_type: z.string().min(1).optional(),
  card: z.string().min(1).optional(),
});
/** A payment made through a Payment Link: the link's order_id, amount and the method used. */
export type PaymentLinkRequest = z.input<typeof paymentLinkSchema>;

export const replayRequestSchema = z.strictObject({
  /** Which of the transaction's sent notifications (0 = first, -1 = last). Default -1. */
  index: z.number().int().optional(),
  edit: replayEditSchema.optional(),
  /** Send here instead of the transaction's notification URLs. */
  url: z.url().optional(),
});
export type ReplayRequest = z.input<typeof replayRequestSchema>;

/** A notification body the simulator sent (at least attempted) for a transaction. */
export interface SentNotification {
  notificationId: string;
  transactionId: string;
  orderId: string;
  body: StatusPayload;
}

/** Transactions a retry may follow (docs/midtrans.md, "Snap retries"). */
const RETRYABLE: ReadonlySet<string> = new Set(['deny', 'expire', 'cancel']);
const RETRY_CARD = '4811111111111114';

/** The 4024 0071 7626 5022 card turns from pending to capture after about 60 s (docs/midtrans.md, "Sandbox test cards"). */
const PENDING_CARD_CAPTURE_MS = 60_000;

export class Engine {
  readonly store = new TransactionStore();
  readonly #o: EngineOptions;
  #lastLinkMs = 0;

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
      // Back on the Snap page after a deny (or expiry): choosing again is a retry.
      const used = this.store.snapSession(idOrToken);
      const latest = used && this.store.latestOfOrder(used.orderId);
      if (used && latest && RETRYABLE.has(latest.status)) {
        const parsedChoice = snapChoiceSchema.safeParse(choice);
        if (!parsedChoice.success) {
          throw errors.validation(validationMessages(parsedChoice.error));
        }
        return this.retry(used.orderId, choiceToCharge(parsedChoice.data));
      }
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

  /**
   * GET /v2/:id/status as Midtrans answers it: like status(), but a DANA transaction is only
   * found by its transaction_id (docs/midtrans.md, "DANA").
   */
  getStatus(id: string): StatusPayload {
    const tx = this.store.find(id);
    if (
      tx &&
      tx.paymentType === 'dana' &&
      tx.transactionId !== id &&
      !this.#o.compat.danaGetStatusByOrderId
    ) {
      throw new MidtransApiError(404, "Transaction doesn't exist.", { id: randomUUID() });
    }
    return this.status(id);
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
    // Midtrans sends a second refund notification once the bank confirms (docs/midtrans.md, "Refunds").
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

  /**
   * The customer tries again after a deny (or the order is reused after expire/cancel): a new
   * transaction, with a new transaction_id, under the same order_id, amount, custom fields and
   * notification URLs. Allowed when the order's newest transaction is deny, expire or cancel.
   */
  retry(id: string, choice: RetryChoice = {}): StatusPayload {
    const found = this.#find(id);
    const latest = this.store.latestOfOrder(found.orderId) ?? found;
    if (!RETRYABLE.has(latest.status)) {
      throw errors.wrongState(latest.status);
    }
    const parsedChoice = retryChoiceSchema.safeParse(choice);
    if (!parsedChoice.success) {
      throw errors.validation(validationMessages(parsedChoice.error));
    }
    const { request, routing } = latest.source;
    const base: Record<string, unknown> = { transaction_details: request.transaction_details };
    for (const key of [
      'custom_field1',
      'custom_field2',
      'custom_field3',
      'metadata',
      'custom_expiry',
    ] as const) {
      if (request[key] !== undefined) {
        base[key] = request[key];
      }
    }
    const parsed = chargeRequestSchema.safeParse({
      ...base,
      ...methodCharge(parsedChoice.data, request),
    });
    if (!parsed.success) {
      throw errors.validation(validationMessages(parsed.error));
    }
    const { tx, message } = this.#create(parsed.data, routing);
    return this.#response(tx, message);
  }

  /** The customer's bank charges back all (no amount) or part of a settled payment. */
  chargeback(id: string, amount?: number | string): StatusPayload {
    const tx = this.#find(id);
    chargebackTransaction(tx, amount, this.#o.random);
    this.#emit(tx);
    return this.#response(tx, 'Success, transaction is found');
  }

  /**
   * A customer pays through a Payment Link: the transaction's order_id is the link's order_id,
   * "-" and a 13-digit millisecond timestamp; custom_field1 carries the link's order_id.
   */
  paymentLink(body: PaymentLinkRequest): StatusPayload {
    const link = paymentLinkSchema.safeParse(body);
    if (!link.success) {
      throw errors.validation(validationMessages(link.error));
    }
    const { order_id: linkOrderId, gross_amount, payment_type, card, ...rest } = link.data;
    // Two payments in the same millisecond would collide: keep the suffixes strictly increasing.
    this.#lastLinkMs = Math.max(Date.now(), this.#lastLinkMs + 1);
    const orderId = `${linkOrderId}-${this.#lastLinkMs}`;
    const parsed = chargeRequestSchema.safeParse({
      ...rest,
      ...methodCharge(
        {
          ...(payment_type === undefined ? {} : { payment_type }),
          ...(card === undefined ? {} : { card }),
        },
        undefined,
      ),
      transaction_details: { order_id: orderId, gross_amount },
      custom_field1: linkOrderId,
    });
    if (!parsed.success) {
      throw errors.validation(validationMessages(parsed.error));
    }
    this.#assertOrderFree(orderId);
    const { tx, message } = this.#create(parsed.data, {});
    return this.#response(tx, message);
  }

  /** The notification bodies sent (or at least attempted; not dropped ones) for an id, oldest first. */
  sentNotifications(id: string): SentNotification[] {
    const seen = new Set<string>();
    const out: SentNotification[] = [];
    for (const record of this.deliveries(id)) {
      if (record.outcome === 'dropped' || seen.has(record.notificationId)) {
        continue;
      }
      seen.add(record.notificationId);
      out.push({
        notificationId: record.notificationId,
        transactionId: record.transactionId,
        orderId: record.orderId,
        body: record.body,
      });
    }
    return out;
  }

  /**
   * An attacker holding one genuine body re-sends it with edits, keeping its signature_key.
   * Sent once to each URL of the transaction (or to `url`); the answers are recorded.
   */
  async replay(id: string, request: ReplayRequest = {}): Promise<InjectionRecord> {
    const parsed = replayRequestSchema.safeParse(request);
    if (!parsed.success) {
      throw errors.validation(validationMessages(parsed.error));
    }
    const tx = this.#find(id);
    const sent = this.sentNotifications(id);
    const index = parsed.data.index ?? -1;
    const source = sent.at(index);
    if (!source) {
      throw new MidtransApiError(404, `No notification #${index} was sent for ${id} (${sent.length} sent).`);
    }
    let edited;
    try {
      edited = applyReplayEdit(source.body, parsed.data.edit ?? {});
    } catch (error) {
      throw errors.validation([error instanceof Error ? error.message : String(error)]);
    }
    const urls = parsed.data.url === undefined ? tx.notificationUrls : [parsed.data.url];
    return await this.#inject(urls, {
      kind: 'replay',
      transactionId: source.transactionId,
      orderId: source.orderId,
      sourceNotificationId: source.notificationId,
      edited: edited.edited,
      signatureValid: this.#signatureValid(edited.body),
      body: edited.body,
    });
  }

  /** A subscription (recurring) notification: unsigned, no order_id. */
  async subscriptionNotify(options: SubscriptionNotifyOptions = {}): Promise<InjectionRecord> {
    const body = subscriptionBody(options);
    return await this.#inject(this.#accountUrls(options.url), { kind: 'subscription', body });
  }

  /** The dashboard's test notification: signed, for a transaction Get Status does not know. */
  async testNotification(options: TestNotificationOptions = {}): Promise<InjectionRecord> {
    let body;
    try {
      body = testNotificationBody(options, this.#o.serverKey, this.#o.compat);
    } catch (error) {
      throw errors.validation([error instanceof Error ? error.message : String(error)]);
    }
    return await this.#inject(this.#accountUrls(options.url), {
      kind: 'test-notification',
      orderId: body.order_id,
      signatureValid: true,
      body,
    });
  }

  injections(): InjectionRecord[] {
    return this.#o.injector.history();
  }

  reset(): void {
    this.store.clear();
    this.#o.injector.reset();
  }

  #accountUrls(url: string | undefined): string[] {
    if (url !== undefined) {
      return [url];
    }
    return this.#o.notificationUrl === undefined ? [] : [this.#o.notificationUrl];
  }

  #inject(urls: readonly string[], fields: Parameters<Injector['send']>[1]): Promise<InjectionRecord> {
    if (urls.length === 0) {
      throw new MidtransApiError(400, 'Nowhere to send: no notification URL is configured; pass url.');
    }
    return this.#o.injector.send(urls, fields);
  }

  #signatureValid(body: Record<string, unknown>): boolean {
    const { order_id, status_code, gross_amount, signature_key } = body;
    if (typeof signature_key !== 'string') {
      return false;
    }
    return verifySignature(
      { order_id: String(order_id), status_code: String(status_code), gross_amount: String(gross_amount) },
      signature_key,
      this.#o.serverKey,
    );
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
      source: { request: req, routing },
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

/** Core charge fields for a retry or payment-link choice; nothing given: the previous method. */
function methodCharge(
  choice: z.output<typeof retryChoiceSchema>,
  previous: ParsedChargeRequest | undefined,
): Record<string, unknown> {
  const { card, payment_type, ...fragment } = choice;
  if (card !== undefined) {
    return { ...fragment, payment_type: 'credit_card', credit_card: { token_id: card } };
  }
  if (payment_type !== undefined) {
    return choiceToCharge({ payment_type, ...fragment });
  }
  if (previous === undefined) {
    return { payment_type: 'bank_transfer', bank_transfer: { bank: 'bca' } };
  }
  if (previous.payment_type === 'credit_card') {
    return { payment_type: 'credit_card', credit_card: { ...previous.credit_card, token_id: RETRY_CARD } };
  }
  const { payment_type: type, bank_transfer, echannel, cstore, qris } = previous;
  return {
    payment_type: type,
    ...(bank_transfer === undefined ? {} : { bank_transfer: { bank: bank_transfer.bank } }),
    ...(echannel === undefined ? {} : { echannel }),
    ...(cstore === undefined ? {} : { cstore }),
    ...(qris === undefined ? {} : { qris }),
  };
}

function formatNow(): string {
  return formatMidtransTime(new Date());
}
