/**
 * createSimulator(): the whole fake Midtrans as one object — a Fastify app (not yet
 * listening) plus the same operations as plain methods, for tests.
 */
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { ChargeRequest, SnapRequest } from './engine/charge-request.js';
import { Engine } from './engine/engine.js';
import type { PaymentLinkRequest, ReplayRequest, RetryChoice, SentNotification } from './engine/engine.js';
import { DEFAULT_COMPAT } from './engine/format.js';
import type { CompatOptions } from './engine/format.js';
import type { RefundParams } from './engine/refund.js';
import type { SnapChoice } from './engine/snap-methods.js';
import type { NotificationRouting, StatusPayload } from './engine/types.js';
import { FaultRegistry } from './faults/fault-registry.js';
import type { FaultScope } from './faults/fault-registry.js';
import type { FaultSpec } from './faults/fault-spec.js';
import { randomStreams } from './faults/prng.js';
import { buildSimulatorApp } from './http/app.js';
import type { DeliveryRecord } from './notify/delivery-record.js';
import { Injector } from './notify/injections.js';
import type { InjectionRecord } from './notify/injections.js';
import type { SubscriptionNotifyOptions, TestNotificationOptions } from './notify/one-shot-bodies.js';
import { Notifier } from './notify/notifier.js';
import { Scheduler } from './notify/scheduler.js';

export interface SimulatorOptions {
  /** Server key clients must present (Basic auth) and that signs every payload. */
  serverKey: string;
  /** The account's "Payment Notification URL". None: only per-charge override/append URLs get notifications. */
  notificationUrl?: string | undefined;
  /** Multiplies every simulated duration (retry schedule, card capture, expiry). 0.001 turns 2 min into 120 ms. */
  timeScale?: number | undefined;
  /** Makes random faults, retry jitter and generated numbers reproducible. */
  seed?: number | undefined;
  /** Per notification attempt timeout, real ms (not scaled). Default 15000. */
  attemptTimeoutMs?: number | undefined;
  /** 0..1: how much of each retry interval is random (see retryDelayMs). Default 1. */
  retryJitter?: number | undefined;
  /** Expire pending transactions when their expiry_time passes (scaled). Default false. */
  autoExpire?: boolean | undefined;
  /** Delay before the bank-confirmed refund notification, ms before scaling. Default 10000. */
  refundConfirmationMs?: number | undefined;
  /** Require this token on the /_sim control API. */
  controlToken?: string | undefined;
  /** Switches for behaviour docs/midtrans.md marks UNCONFIRMED. */
  compat?: Partial<CompatOptions> | undefined;
  logger?: Logger | false | undefined;
}

export interface Simulator {
  /** The Fastify app, not yet listening (use app.inject() or listen()). */
  readonly app: FastifyInstance;
  /** Starts listening (default 127.0.0.1, port 0) and returns the base URL. */
  listen(opts?: { port?: number; host?: string }): Promise<string>;
  /** Base URL once listening, "" before. */
  readonly url: string;
  charge(body: ChargeRequest, opts?: NotificationRouting): Promise<StatusPayload>;
  /** Snap create-transaction: {token, redirect_url}; no transaction exists until a method is chosen. */
  snap(body: SnapRequest, opts?: NotificationRouting): Promise<{ token: string; redirect_url: string }>;
  /** The customer picks a method on the Snap page (id = order_id or Snap token). */
  choose(id: string, choice: SnapChoice): Promise<StatusPayload>;
  /** Settles: pending → settlement; a card goes capture (accept) → settlement. */
  pay(id: string): Promise<StatusPayload>;
  expire(id: string): Promise<StatusPayload>;
  cancel(id: string): Promise<StatusPayload>;
  /** Bank/provider denies a pending payment, or FDS denies a challenged card. */
  deny(id: string): Promise<StatusPayload>;
  /** Full refund without amount, partial with. */
  refund(id: string, amount?: number, params?: Omit<RefundParams, 'amount'>): Promise<StatusPayload>;
  resolveChallenge(id: string, decision: 'accept' | 'deny'): Promise<StatusPayload>;
  /** The reversal case: settlement → deny. */
  reverse(id: string): Promise<StatusPayload>;
  /**
   * A new transaction (new transaction_id) for the same order after deny, expire or cancel: the
   * Snap retry. Without a choice the same method is used (a card: 4811 1111 1111 1114).
   */
  retry(id: string, choice?: RetryChoice): Promise<StatusPayload>;
  /** A chargeback of everything left (no amount) or part of it: chargeback / partial_chargeback. */
  chargeback(id: string, amount?: number | string): Promise<StatusPayload>;
  /** A payment through a Payment Link: order_id "<link order_id>-<13-digit ms>", custom_field1 = link order_id. */
  paymentLink(body: PaymentLinkRequest): Promise<StatusPayload>;
  /** Re-sends a genuine notification body with edits, keeping its signature_key; resolves with what was sent and answered. */
  replay(id: string, request?: ReplayRequest): Promise<InjectionRecord>;
  /** Sends a subscription (recurring) notification body: unsigned, no order_id. */
  subscriptionNotify(options?: SubscriptionNotifyOptions): Promise<InjectionRecord>;
  /** Sends a signed test notification whose transaction_id Get Status does not know. */
  testNotification(options?: TestNotificationOptions): Promise<InjectionRecord>;
  /** The notification bodies sent for a transaction (or every transaction of an order), oldest first. */
  sentNotifications(id: string): SentNotification[];
  /** Every replay, subscription and test notification sent, with the answers. */
  injections(): InjectionRecord[];
  /** Current truth (Get Status view, no faults), or undefined. */
  status(id: string): StatusPayload | undefined;
  transactions(): StatusPayload[];
  /** Delivery history: of one transaction (by transaction_id) or of every transaction of an order. */
  deliveries(id: string): DeliveryRecord[];
  faults: {
    set(f: FaultSpec, scope?: FaultScope): void;
    /** Clears one order's faults, or all faults without a scope. */
    clear(scope?: FaultScope): void;
    list(): ReturnType<FaultRegistry['list']>;
  };
  /** Resolves when no notification delivery (or retry, or scheduled refund confirmation) is pending. */
  idle(): Promise<void>;
  /** Forgets transactions, deliveries and faults, and cancels pending work. */
  reset(): void;
  /** Stops the server and cancels every pending retry and timer. */
  close(): Promise<void>;
}

/** Turns a synchronous engine call into a promise that rejects with its MidtransApiError. */
function later<T>(fn: () => T | Promise<T>): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}

export function createSimulator(options: SimulatorOptions): Promise<Simulator> {
  return later(() => assemble(options));
}

function assemble(options: SimulatorOptions): Simulator {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    throw new RangeError('timeScale must be a positive number');
  }
  if (options.serverKey.length === 0) {
    throw new RangeError('serverKey must not be empty');
  }
  const logger =
    options.logger === false || options.logger === undefined ? pino({ level: 'silent' }) : options.logger;
  const compat: CompatOptions = { ...DEFAULT_COMPAT, ...options.compat };
  const random = randomStreams(options.seed);
  const scheduler = new Scheduler(logger);
  const faults = new FaultRegistry(random.faults);
  const notifier = new Notifier({
    scheduler,
    faults,
    logger,
    timeScale,
    attemptTimeoutMs: options.attemptTimeoutMs ?? 15_000,
    retryJitter: options.retryJitter ?? 1,
    userAgent: compat.userAgent,
    jitterRandom: random.jitter,
  });
  let url = '';
  const injector = new Injector({
    attemptTimeoutMs: options.attemptTimeoutMs ?? 15_000,
    userAgent: compat.userAgent,
    signal: () => scheduler.signal,
  });
  const engine = new Engine({
    serverKey: options.serverKey,
    notificationUrl: options.notificationUrl,
    timeScale,
    autoExpire: options.autoExpire ?? false,
    refundConfirmationMs: options.refundConfirmationMs ?? 10_000,
    compat,
    scheduler,
    notifier,
    random: random.data,
    injector,
    baseUrl: () => url,
    logger,
  });
  const reset = (): void => {
    scheduler.cancelAll();
    notifier.reset();
    engine.reset();
    faults.clear();
  };
  const app = buildSimulatorApp(
    {
      engine,
      faults,
      scheduler,
      serverKey: options.serverKey,
      compat,
      controlToken: options.controlToken,
      reset,
      idle: () => scheduler.idle(),
    },
    logger,
  );
  let closed = false;

  return {
    app,
    get url() {
      return url;
    },
    async listen(opts = {}) {
      const host = opts.host ?? '127.0.0.1';
      await app.listen({ port: opts.port ?? 0, host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
      // A wildcard bind is reachable on loopback; IPv6 literals need brackets in a URL.
      const reachable =
        host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
      url = `http://${reachable}:${port}`;
      return url;
    },
    charge: (body, opts = {}) => later(() => engine.charge(body, opts)),
    snap: (body, opts = {}) => later(() => engine.createSnap(body, opts)),
    choose: (id, choice) => later(() => engine.chooseSnapMethod(id, choice)),
    pay: (id) => later(() => engine.act(id, 'pay')),
    expire: (id) => later(() => engine.act(id, 'expire')),
    cancel: (id) => later(() => engine.act(id, 'cancel')),
    deny: (id) => later(() => engine.act(id, 'deny')),
    refund: (id, amount, params = {}) =>
      later(() => engine.refund(id, { ...params, ...(amount === undefined ? {} : { amount }) })),
    resolveChallenge: (id, decision) =>
      later(() => engine.act(id, decision === 'accept' ? 'approve' : 'challenge-deny')),
    reverse: (id) => later(() => engine.act(id, 'reverse')),
    retry: (id, choice = {}) => later(() => engine.retry(id, choice)),
    chargeback: (id, amount) => later(() => engine.chargeback(id, amount)),
    paymentLink: (body) => later(() => engine.paymentLink(body)),
    replay: (id, request = {}) => later(() => engine.replay(id, request)),
    subscriptionNotify: (opts = {}) => later(() => engine.subscriptionNotify(opts)),
    testNotification: (opts = {}) => later(() => engine.testNotification(opts)),
    sentNotifications: (id) => engine.sentNotifications(id),
    injections: () => engine.injections(),
    status: (id) => engine.peek(id),
    transactions: () => engine.list(),
    deliveries: (id) => engine.deliveries(id),
    faults: {
      set: (f, scope) => faults.set(f, scope),
      clear: (scope) => faults.clear(scope),
      list: () => faults.list(),
    },
    idle: () => scheduler.idle(),
    reset,
    async close() {
      if (closed) {
        return;
      }
      closed = true;
      // Cancel first: a hung status call or a retry timer must not hold the server open.
      scheduler.cancelAll();
      await app.close();
    },
  };
}
