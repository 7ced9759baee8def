/**
 * One-shot sends that are not part of a transaction's life: an edited replay of a genuine
 * body, a subscription (recurring) notification, a dashboard test notification. Each is POSTed
 * once to each URL (307/308 followed, no retries) and recorded with the answers it got.
 */
import { randomUUID } from 'node:crypto';
import { describeSendError, sendNotification } from './send-notification.js';

export type InjectionKind = 'replay' | 'subscription' | 'test-notification';

export interface InjectionResult {
  url: string;
  /** The final HTTP status, after any 307/308 hops. */
  httpStatus?: number;
  /** Timeout or connection error, when there was no HTTP answer. */
  error?: string;
  redirects?: string[];
  durationMs: number;
}

export interface InjectionRecord {
  id: string;
  kind: InjectionKind;
  /** ISO-8601 time of the send. */
  at: string;
  /** The transaction the body came from (replay only). */
  transactionId?: string;
  orderId?: string;
  /** Replay: the notificationId of the genuine body that was edited. */
  sourceNotificationId?: string;
  /** Replay: the fields that differ from the genuine body. */
  edited?: string[];
  /** Whether signature_key still matches order_id + status_code + gross_amount (signed bodies only). */
  signatureValid?: boolean;
  /** The exact body sent. */
  body: Record<string, unknown>;
  results: InjectionResult[];
}

export interface InjectorOptions {
  attemptTimeoutMs: number;
  userAgent: string;
  /** Aborted when the simulator closes or resets. */
  signal: () => AbortSignal;
}

export class Injector {
  readonly #o: InjectorOptions;
  #history: InjectionRecord[] = [];

  constructor(options: InjectorOptions) {
    this.#o = options;
  }

  async send(
    urls: readonly string[],
    fields: Omit<InjectionRecord, 'id' | 'at' | 'results'>,
  ): Promise<InjectionRecord> {
    const at = new Date();
    const results = await Promise.all(urls.map((url) => this.#attempt(url, fields.body)));
    const entry: InjectionRecord = { id: randomUUID(), at: at.toISOString(), ...fields, results };
    this.#history.push(entry);
    return entry;
  }

  history(): InjectionRecord[] {
    return [...this.#history];
  }

  reset(): void {
    this.#history = [];
  }

  async #attempt(url: string, body: Record<string, unknown>): Promise<InjectionResult> {
    const started = Date.now();
    const { attemptTimeoutMs, userAgent } = this.#o;
    try {
      const sent = await sendNotification(url, body, {
        timeoutMs: attemptTimeoutMs,
        userAgent,
        signal: this.#o.signal(),
      });
      return {
        url,
        httpStatus: sent.status,
        ...(sent.redirects.length > 0 ? { redirects: sent.redirects } : {}),
        durationMs: Date.now() - started,
      };
    } catch (error) {
      return { url, error: describeSendError(error, attemptTimeoutMs), durationMs: Date.now() - started };
    }
  }
}
