/**
 * Delivers notifications the way Midtrans does: one POST per URL, retried per the table in
 * docs/midtrans.md, "Delivery and retries", on the compressed schedule, with the delivery history
 * kept per transaction. Fault decisions (drop, duplicate, reorder, delay) are taken once per
 * notification, before any URL is tried.
 *
 * Ordering invariant: without faults, a transaction's notifications make their first attempts
 * one after another in event order; retries run on their own timers and may interleave, as
 * they do at Midtrans.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { StatusPayload } from '../engine/types.js';
import type { NotificationDecision } from '../faults/fault-spec.js';
import type { FaultRegistry } from '../faults/fault-registry.js';
import type { Random } from '../faults/prng.js';
import type { DeliveryRecord } from './delivery-record.js';
import { isDelivered, retriesFor, retryDelayMs } from './retry-policy.js';
import type { AttemptOutcome } from './retry-policy.js';
import type { Scheduler } from './scheduler.js';
import { Sequencer } from './sequencer.js';
import { describeSendError, sendNotification } from './send-notification.js';

export interface NotifierOptions {
  scheduler: Scheduler;
  faults: FaultRegistry;
  logger: Logger;
  timeScale: number;
  attemptTimeoutMs: number;
  retryJitter: number;
  userAgent: string;
  jitterRandom: Random;
}

/** The transaction a notification belongs to and where it goes. */
export interface NotificationTarget {
  readonly transactionId: string;
  readonly orderId: string;
  readonly notificationUrls: readonly string[];
}

interface Step {
  readonly notificationId: string;
  readonly copy: number;
  readonly target: NotificationTarget;
  readonly body: StatusPayload;
  readonly decision: NotificationDecision;
}

export class Notifier {
  readonly #options: NotifierOptions;
  readonly #sequencer = new Sequencer();
  /** Steps held back by the reorder fault, per transaction, until its next notification. */
  readonly #held = new Map<string, Step[]>();
  #history: DeliveryRecord[] = [];

  constructor(options: NotifierOptions) {
    this.#options = options;
  }

  notify(target: NotificationTarget, body: StatusPayload): void {
    if (target.notificationUrls.length === 0) {
      this.#options.logger.debug({ orderId: target.orderId }, 'no notification URL; nothing sent');
      return;
    }
    const decision = this.#options.faults.decideNotification(target.orderId);
    const base = { notificationId: randomUUID(), target, body, decision };
    if (decision.drop) {
      for (const url of target.notificationUrls) {
        this.#record({ ...base, copy: 1 }, url, {
          attempt: 0,
          at: new Date(),
          durationMs: 0,
          outcome: 'dropped',
        });
      }
      return;
    }
    const steps: Step[] = [{ ...base, copy: 1 }];
    if (decision.duplicate) {
      steps.push({ ...base, copy: 2 });
    }
    const held = this.#held.get(target.transactionId) ?? [];
    if (decision.reorder) {
      this.#held.set(target.transactionId, [...held, ...steps]);
      return;
    }
    // 1. this notification, 2. whatever an earlier reorder fault held back for the transaction.
    this.#held.delete(target.transactionId);
    for (const step of [...steps, ...held]) {
      this.#dispatch(step);
    }
  }

  /** Delivery history of the given transactions, oldest first. */
  history(transactionIds: ReadonlySet<string>): DeliveryRecord[] {
    return this.#history.filter((r) => transactionIds.has(r.transactionId));
  }

  /** Forgets history and held notifications (in-flight work is cancelled by the scheduler). */
  reset(): void {
    this.#history = [];
    this.#held.clear();
    this.#sequencer.clear();
  }

  #dispatch(step: Step): void {
    const { scheduler } = this.#options;
    const delayMs = step.decision.delayMs;
    // A delayed notification gives up its place in line: that is how it ends up late.
    const turn = delayMs > 0 ? undefined : this.#sequencer.take(step.target.transactionId);
    scheduler.run(
      async (signal) => {
        try {
          if (turn) {
            await turn.ready;
          } else if (!(await scheduler.sleep(delayMs, signal))) {
            return;
          }
          let waiting = step.target.notificationUrls.length;
          const firstAttemptDone = (): void => {
            waiting -= 1;
            if (waiting === 0) {
              turn?.release();
            }
          };
          await Promise.all(
            step.target.notificationUrls.map((url) => this.#deliver(step, url, signal, firstAttemptDone)),
          );
        } finally {
          turn?.release();
        }
      },
      { tracked: true },
    );
  }

  async #deliver(step: Step, url: string, signal: AbortSignal, firstAttemptDone: () => void): Promise<void> {
    const { timeScale, retryJitter, jitterRandom, scheduler } = this.#options;
    for (let attempt = 1; !signal.aborted; attempt += 1) {
      const at = new Date();
      const result = await this.#attempt(url, step.body, signal);
      if (attempt === 1) {
        firstAttemptDone();
      }
      if (signal.aborted) {
        return; // closed mid-attempt: that is not the receiver's failure
      }
      const delivered = isDelivered(result.outcome);
      const retry = !delivered && attempt <= retriesFor(result.outcome);
      const nextAttemptInMs = retry ? retryDelayMs(attempt, timeScale, retryJitter, jitterRandom) : undefined;
      this.#record(step, url, {
        attempt,
        at,
        durationMs: Date.now() - at.getTime(),
        outcome: delivered ? 'delivered' : retry ? 'retry-scheduled' : 'gave-up',
        ...(result.outcome.kind === 'response'
          ? { httpStatus: result.outcome.status }
          : { error: result.outcome.error }),
        ...(result.redirects.length > 0 ? { redirects: result.redirects } : {}),
        ...(nextAttemptInMs === undefined ? {} : { nextAttemptInMs }),
      });
      if (nextAttemptInMs === undefined || !(await scheduler.sleep(nextAttemptInMs, signal))) {
        return;
      }
    }
  }

  async #attempt(
    url: string,
    body: StatusPayload,
    signal: AbortSignal,
  ): Promise<{ outcome: AttemptOutcome; redirects: string[] }> {
    const { attemptTimeoutMs, userAgent } = this.#options;
    try {
      const sent = await sendNotification(url, body, { timeoutMs: attemptTimeoutMs, userAgent, signal });
      return { outcome: { kind: 'response', status: sent.status }, redirects: sent.redirects };
    } catch (error) {
      return { outcome: { kind: 'error', error: describeSendError(error, attemptTimeoutMs) }, redirects: [] };
    }
  }

  #record(
    step: Step,
    url: string,
    fields: Pick<DeliveryRecord, 'attempt' | 'durationMs' | 'outcome'> &
      Partial<Pick<DeliveryRecord, 'httpStatus' | 'error' | 'redirects' | 'nextAttemptInMs'>> & { at: Date },
  ): void {
    const record: DeliveryRecord = {
      notificationId: step.notificationId,
      copy: step.copy,
      transactionId: step.target.transactionId,
      orderId: step.target.orderId,
      transactionStatus: step.body.transaction_status,
      url,
      ...fields,
      at: fields.at.toISOString(),
      faults: [...step.decision.applied],
      body: step.body,
    };
    this.#history.push(record);
    this.#options.logger.debug(
      {
        orderId: record.orderId,
        status: record.transactionStatus,
        attempt: record.attempt,
        outcome: record.outcome,
        httpStatus: record.httpStatus,
        error: record.error,
      },
      'notification attempt',
    );
  }
}
