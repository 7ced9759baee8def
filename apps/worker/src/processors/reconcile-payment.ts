/**
 * Consumes payment.reconcile.check jobs: asks Midtrans for one payment's status and applies
 * the answer through the one state machine (applyMidtransStatus), with sync_type 'reconcile'
 * or 'manual'. An answer that changes nothing is logged as duplicate/stale like any other.
 *
 * Classification (style: transient → throw, permanent → UnrecoverableError):
 * - found / 407 expired → apply; record the answer and the next due time (cadence);
 * - 404 → record; a payment we hold as paid is at once on the ledger (paid_not_in_midtrans);
 *   another is flagged once older than RECONCILE_UNKNOWN_AFTER_MS and then no longer polled
 *   (a manual check re-arms it);
 * - 429 or circuit open → pause the whole queue (fleet-wide) and put the job back, no attempt
 *   spent: nothing is lost, Midtrans gets a rest;
 * - 5xx / timeout / network → throw: BullMQ retries with backoff; on the last attempt the
 *   payment is simply due again at its next cadence step;
 * - 401 (bad key), other 4xx, a forged status body → UnrecoverableError, after moving the
 *   payment's next check on so it does not hot-loop.
 */
import {
  isAppError,
  nextCheckDelayMs,
  FAILED_STATUSES,
  OPEN_STATUSES,
  reconcileJobSchema,
  type MismatchKind,
  type PaymentStatus,
  type ReconcileJobData,
  type ReconcileJobResult,
} from '@lunas/core';
import {
  loadPaymentForCheck,
  postponeCheck,
  recordNotFoundCheck,
  recordStatusCheck,
  stopPaidWatch,
  type PaymentForCheck,
  type Sql,
} from '@lunas/db';
import {
  paymentLinkBaseOrderId,
  toNotification,
  withoutSignature,
  type MidtransClient,
  type StatusBody,
  type StatusResult,
} from '@lunas/midtrans';
import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { logResult } from './log-result.js';
import { applyMidtransStatus, type ApplyStatusResult, type PaidWatch } from '../sync/apply-status.js';

export interface ReconcilePaymentDeps {
  readonly sql: Sql;
  readonly logger: Logger;
  readonly midtrans: MidtransClient;
  /** The reconcile queue: paused fleet-wide (rateLimit) on 429 or an open circuit. */
  readonly queue: Queue;
  readonly cadenceMs: readonly number[];
  readonly unknownAfterMs: number;
  readonly backoffMs: number;
  readonly now?: () => Date;
  readonly onApplied?: ((result: ApplyStatusResult) => void) | undefined;
  /** A payment put on the ledger by a 404 (no status to apply): alerts. */
  readonly onMismatch?: ((kind: MismatchKind, orderCode: string, paymentId: string) => void) | undefined;
  /** See ApplyStatusInput.paidWatch. */
  readonly paidWatch?: PaidWatch;
}

export function createReconcilePaymentProcessor(deps: ReconcilePaymentDeps) {
  const now = deps.now ?? (() => new Date());
  return async function reconcilePayment(job: Job<ReconcileJobData>): Promise<ReconcileJobResult> {
    const parsed = reconcileJobSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError('job data is not a reconcile job');
    }
    const { paymentId, syncType } = parsed.data;
    const payment = await loadPaymentForCheck(deps.sql, paymentId);
    const skipped = (from: string | null): ReconcileJobResult => ({
      paymentId,
      orderCode: parsed.data.orderCode,
      outcome: 'skipped',
      updated: false,
      from,
      to: from,
      midtransStatus: null,
    });
    if (!payment) {
      return skipped(null);
    }
    // A notification may have finished the payment since the sweep queued this check. A person
    // pressing the button still gets Midtrans's answer (it may show a mismatch).
    const watched = payment.watchUntil !== null;
    if (syncType === 'reconcile' && !watched && !OPEN_STATUSES.has(payment.paymentStatus as PaymentStatus)) {
      return skipped(payment.paymentStatus);
    }
    // A watched failed payment looks for the order's next transaction: Get Status by order id
    // answers the order's newest one. Once the order is paid there is nothing to look for.
    const failedWatch = watched && FAILED_STATUSES.has(payment.paymentStatus as PaymentStatus);
    if (failedWatch && syncType === 'reconcile' && payment.orderStatus === 'PAID') {
      await stopPaidWatch(deps.sql, paymentId);
      return skipped(payment.paymentStatus);
    }
    const check: Check = {
      job,
      payment,
      syncType,
      nextCheckAt: new Date(now().getTime() + nextCheckDelayMs(payment.checkCount, deps.cadenceMs)),
      fields: { paymentId, orderCode: payment.orderCode, syncType, jobId: job.id },
    };

    // By a transaction id Midtrans confirmed (or the shop set), else by order id: never by an
    // id taken from an unconfirmed notification. A person waiting goes ahead of the sweep.
    const result = await deps.midtrans.getStatus(
      failedWatch ? payment.orderCode : (payment.transactionId ?? payment.orderCode),
      {
        priority: syncType === 'manual' ? 'confirm' : 'background',
      },
    );
    switch (result.kind) {
      case 'found':
      case 'expired':
        return onAnswer(deps, check, result, now);
      case 'not_found':
        return onNotFound(deps, check);
      case 'unauthorized':
      case 'failed': {
        await postponeCheck(deps.sql, paymentId, check.nextCheckAt);
        throw new UnrecoverableError(
          `Midtrans refused Get Status (${result.kind === 'failed' ? result.httpStatus : 401}): ${result.message}`,
        );
      }
      case 'circuit_open': {
        await deps.queue.rateLimit(result.retryInMs);
        throw Worker.RateLimitError();
      }
      case 'retryable':
        return onRetryable(deps, check, result);
    }
  };
}

/** One check in progress: the job, the payment as loaded, and when it is due next. */
interface Check {
  readonly job: Job<ReconcileJobData>;
  readonly payment: PaymentForCheck;
  readonly syncType: ReconcileJobData['syncType'];
  readonly nextCheckAt: Date;
  readonly fields: Record<string, unknown>;
}

type Answer<K extends StatusResult['kind']> = Extract<StatusResult, { kind: K }>;

/** found / 407 expired: check the answer is this payment's, then apply it. */
async function onAnswer(
  deps: ReconcilePaymentDeps,
  check: Check,
  result: Answer<'found' | 'expired'>,
  now: () => Date,
): Promise<ReconcileJobResult> {
  const { payment, nextCheckAt, fields } = check;
  if (result.signature === 'invalid') {
    await postponeCheck(deps.sql, payment.paymentId, nextCheckAt);
    deps.logger.error(
      { ...fields, alert: true },
      'Get Status answer carries a wrong signature_key; not applied',
    );
    throw new UnrecoverableError('Get Status answer has an invalid signature_key');
  }
  const answerOrder = result.status.order_id;
  if (answerOrder !== payment.orderCode && paymentLinkBaseOrderId(answerOrder) !== payment.orderCode) {
    await postponeCheck(deps.sql, payment.paymentId, nextCheckAt);
    deps.logger.error(
      { ...fields, alert: true },
      'Get Status answered for another order than the payment belongs to; not applied',
    );
    throw new UnrecoverableError('Get Status answer belongs to another order');
  }
  return applyAnswer(deps, check.job, payment.orderCode, result.status, result.body, nextCheckAt, now);
}

/** 404: record it; a paid payment, or an unknown one past its expiry, goes on the ledger. */
async function onNotFound(deps: ReconcilePaymentDeps, check: Check): Promise<ReconcileJobResult> {
  const { payment, fields } = check;
  const { flagged, stopped } = await recordNotFoundCheck(deps.sql, {
    paymentId: payment.paymentId,
    nextCheckAt: check.nextCheckAt,
    flagAfterMs: deps.unknownAfterMs,
    rearm: check.syncType === 'manual',
  });
  if (flagged) {
    deps.logger.error(
      { ...fields, mismatch: flagged, stopped, unknownAfterMs: deps.unknownAfterMs },
      flagged === 'paid_not_in_midtrans'
        ? 'Lunas records this payment as paid, but Midtrans does not know it; on the mismatch ledger'
        : 'Midtrans does not know this payment past its expiry; flagged, and no longer polled until re-armed',
    );
    deps.onMismatch?.(flagged, payment.orderCode, payment.paymentId);
  } else {
    deps.logger.info(fields, 'Midtrans does not know this payment (yet)');
  }
  return {
    paymentId: payment.paymentId,
    orderCode: payment.orderCode,
    outcome: 'not_found',
    updated: false,
    from: payment.paymentStatus,
    to: payment.paymentStatus,
    midtransStatus: null,
    mismatch: flagged,
  };
}

/** 429 pauses the queue fleet-wide; 5xx / timeout / network retries with backoff. */
async function onRetryable(
  deps: ReconcilePaymentDeps,
  check: Check,
  result: Answer<'retryable'>,
): Promise<never> {
  const { job } = check;
  if (result.reason === 'rate_limited' || result.reason === 'local_rate_limit') {
    await deps.queue.rateLimit(result.retryAfterMs ?? deps.backoffMs);
    throw Worker.RateLimitError();
  }
  if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
    // Last attempt: the job fails, and the payment waits for its next cadence step.
    await postponeCheck(deps.sql, check.payment.paymentId, check.nextCheckAt);
  }
  throw new Error(
    `Midtrans Get Status ${result.reason}${result.httpStatus ? ` (${result.httpStatus})` : ''}`,
  );
}

async function applyAnswer(
  deps: ReconcilePaymentDeps,
  job: Job<ReconcileJobData>,
  orderCode: string,
  status: StatusBody,
  body: Record<string, unknown>,
  nextCheckAt: Date,
  now: () => Date,
): Promise<ReconcileJobResult> {
  const { paymentId, syncType } = job.data;
  let applied: ApplyStatusResult;
  try {
    applied = await applyMidtransStatus(
      deps.sql,
      {
        syncType,
        status: toNotification(status),
        payload: withoutSignature(body),
        jobId: job.id ?? null,
        ...(deps.paidWatch ? { paidWatch: deps.paidWatch } : {}),
      },
      now,
    );
  } catch (error) {
    // The order has no payment row at all (the shop deleted it?): leave it to a person.
    if (isAppError(error) && error.code === 'LUNAS_ERR_PAYMENT_NOT_FOUND') {
      await postponeCheck(deps.sql, paymentId, nextCheckAt);
      deps.logger.warn({ paymentId, orderCode }, 'Get Status answer matches no payment row');
      throw new UnrecoverableError(error.message);
    }
    throw error;
  }
  if (applied.paymentId === paymentId) {
    await recordStatusCheck(deps.sql, {
      paymentId,
      nextCheckAt,
      midtransStatus: status.transaction_status,
      fraudStatus: status.fraud_status ?? null,
      statusCode: status.status_code,
      grossAmount: status.gross_amount,
    });
  } else {
    // Asked by order id, Midtrans answered about another transaction of the order (its newest);
    // that answer was applied to its own payment row. This one is due again on the cadence.
    await postponeCheck(deps.sql, paymentId, nextCheckAt);
    deps.logger.info(
      { paymentId, orderCode, answeredPaymentId: applied.paymentId },
      'Get Status answered for another transaction of the order; applied there',
    );
  }
  logResult(deps.logger, applied, status.transaction_status);
  deps.onApplied?.(applied);
  const dbStatus = applied.outcome === 'applied' && applied.to ? applied.to : applied.from;
  return {
    paymentId,
    orderCode,
    outcome: applied.outcome,
    updated: applied.outcome === 'applied',
    from: applied.from,
    to: dbStatus,
    midtransStatus: status.transaction_status,
    mismatch: applied.mismatch,
  };
}
