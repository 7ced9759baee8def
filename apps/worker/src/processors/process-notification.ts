/**
 * Consumes payment.notification.process jobs. A notification is a signal, not the truth:
 * Midtrans signs only order_id + status_code + gross_amount, so anyone holding one genuine body
 * can edit every other field (docs/midtrans.md, "What the signature does not bind"). So:
 *
 *   1. open the job: its seal (the API's HMAC over the body), or, for a job queued by an older
 *      API, the Midtrans signature. A job that did not come through the webhook route (Bull
 *      Board, a compromised Redis) changes nothing and is logged at error level;
 *   2. find the order and its payment rows. None yet: wait (the incident's race; the fast path
 *      promotes the job when the shop commits the row);
 *   3. a claim that would change nothing (the status we already hold) is recorded as a
 *      duplicate without asking Midtrans: the common "pending" notification costs no call
 *      (unless the row must learn its transaction id now, see below);
 *   4. anything else is confirmed with Get Status by the notification's transaction_id, served
 *      ahead of the sweep's checks by the fleet-wide rate limit. The answer must belong to the
 *      notification's (signed) order. What is applied is what Midtrans says, through the same
 *      state machine; the notification's own claim is only recorded beside it;
 *   5. Midtrans unreachable, rate limited or the circuit open: the job waits (delayed without
 *      spending an attempt, or retried with backoff) and nothing is lost.
 */
import {
  AppError,
  decideTransition,
  isAppError,
  isPaymentStatus,
  mapMidtransStatus,
  MIDTRANS_UNAVAILABLE_PREFIX,
  notificationJobSchema,
  paymentNotFoundMessage,
  permanentFailureMessage,
  type NotificationJobData,
} from '@lunas/core';
import { matchPayment, type OrderRow, type PaymentRow, type Sql } from '@lunas/db';
import {
  openSeal,
  parseJsonObject,
  paymentLinkBaseOrderId,
  statusBodySchema,
  statusCodeFits,
  toNotification,
  verifyNotificationBody,
  withoutSignature,
  type MidtransClient,
  type MidtransNotification,
  type StatusResult,
} from '@lunas/midtrans';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { AwaitingPayments } from '../awaiting-payments.js';
import { logResult, shortId } from './log-result.js';
import { createNotificationBatcher, type NotificationBatcher } from '../sync/apply-batcher.js';
import { recordWithoutChange, type ApplyStatusResult, type PaidWatch } from '../sync/apply-status.js';

export interface ProcessNotificationDeps {
  readonly sql: Sql;
  readonly logger: Logger;
  readonly awaiting: AwaitingPayments;
  readonly midtrans: MidtransClient;
  /** Opens the jobs' seals (and verifies older jobs' signatures). */
  readonly serverKey: string;
  readonly onApplied?: (result: ApplyStatusResult) => void;
  /** Called for a job that is not a verified notification (alerts). */
  readonly onUnverified?: (jobId: string | null) => void;
  /** See ApplyStatusInput.paidWatch; absent when reconciliation is off. */
  readonly paidWatch?: PaidWatch;
  /**
   * Attempts during which a Get Status 404 for the notification's transaction is retried
   * before the notification is recorded as unknown to Midtrans (a dashboard test, a forgery).
   */
  readonly notFoundAttempts?: number;
  /** SHOP_ORDERS: in adapter mode an order the view shows needs no payment row to proceed. */
  readonly shopOrders?: 'builtin' | 'adapter';
  /**
   * Shares the database work of the jobs in flight (apply-batcher.ts); absent: each job does
   * its own (a batcher of one).
   */
  readonly batcher?: NotificationBatcher;
}

/** ProcessNotificationDeps with its batcher. */
type Deps = ProcessNotificationDeps & { readonly batcher: NotificationBatcher };

export function createNotificationProcessor(options: ProcessNotificationDeps) {
  const deps: Deps = {
    ...options,
    batcher:
      options.batcher ??
      createNotificationBatcher(options.sql, {
        maxBatch: 1,
        waitMs: 0,
        ...(options.shopOrders ? { shopOrders: options.shopOrders } : {}),
      }),
  };
  return async function processNotification(
    job: Job<NotificationJobData>,
    token?: string,
  ): Promise<ApplyStatusResult> {
    const claimed = openJob(deps, job);

    // 2. The order and its payment rows (read only: the decision is taken under lock later).
    const { order, payments } = await deps.batcher.lookup({
      midtransOrderId: claimed.order_id,
      baseOrderId: paymentLinkBaseOrderId(claimed.order_id),
    });
    if (!order || (payments.length === 0 && deps.shopOrders !== 'adapter')) {
      await waitForPaymentRow(deps, job, claimed);
    }
    const notice: Notice = {
      job,
      token,
      jobId: job.id ?? null,
      claimed,
      notifiedStatus: claimText(claimed),
      order,
      target: matchPayment(payments, claimed.transaction_id),
    };

    // 3. A claim of what we already hold changes nothing: no call to Midtrans.
    if (order && notice.target && claimsHeldStatus(notice)) {
      const result = await recordWithoutChange(deps.batcher.log, {
        orderCode: order.orderCode,
        paymentId: notice.target.paymentId,
        status: notice.target.paymentStatus,
        outcome: 'duplicate',
        claimed,
        notifiedStatus: notice.notifiedStatus,
        jobId: notice.jobId,
      });
      return finish(deps, job, claimed, result);
    }

    // 4. Confirm with Midtrans.
    const answer = await deps.midtrans.getStatus(claimed.transaction_id, { priority: 'confirm' });
    return onAnswer(deps, notice, answer);
  };
}

/** One notification in progress: the job, its verified claim, and the rows it names. */
interface Notice {
  readonly job: Job<NotificationJobData>;
  readonly token: string | undefined;
  readonly jobId: string | null;
  readonly claimed: MidtransNotification;
  readonly notifiedStatus: string;
  readonly order: OrderRow | null;
  readonly target: PaymentRow | null;
}

/**
 * 3. True when the claim is of the status we already hold, so it changes nothing and costs no
 * call. Except where the row has no transaction id yet and the sweep could not ask by order id
 * later (a Payment Link's order id is not the order's code; DANA answers Get Status by
 * transaction id only): then the claim is confirmed anyway, and the confirmed id is bound. The
 * claimed payment_type only decides whether a call is spent, never what is applied.
 */
function claimsHeldStatus({ claimed, order, target }: Notice): boolean {
  if (!target) {
    return false;
  }
  const claimedStatus = mapMidtransStatus(claimed.transaction_status, claimed.fraud_status);
  const bindNow =
    target.transactionId === null &&
    (claimed.order_id !== order?.orderCode || claimed.payment_type?.toLowerCase() === 'dana');
  return (
    !bindNow &&
    claimedStatus !== null &&
    isPaymentStatus(target.paymentStatus) &&
    decideTransition(
      { status: target.paymentStatus, refundedAmount: target.refundedAmount },
      { status: claimedStatus, refundedAmount: claimed.refund_amount ?? null },
    ).kind === 'duplicate'
  );
}

/** 4–5. What Midtrans answered decides: apply it, record a rejection, or wait. */
async function onAnswer(deps: Deps, notice: Notice, answer: StatusResult): Promise<ApplyStatusResult> {
  const { job, claimed } = notice;
  const fields = {
    jobId: notice.jobId,
    orderCode: shortId(claimed.order_id),
    transactionId: shortId(claimed.transaction_id),
  };
  switch (answer.kind) {
    case 'found':
    case 'expired':
      return applyConfirmed(deps, notice, answer, fields);
    case 'not_found':
      if (job.attemptsMade + 1 < (deps.notFoundAttempts ?? 3)) {
        throw new Error(`Midtrans does not know transaction ${shortId(claimed.transaction_id)} (yet)`);
      }
      deps.logger.error(fields, "Midtrans does not know the notification's transaction; nothing changed");
      return finish(deps, job, claimed, await recordRejected(deps, notice, 'unknown_to_midtrans'));
    case 'failed':
      deps.logger.error(
        { ...fields, httpStatus: answer.httpStatus },
        'Midtrans refused Get Status; nothing changed',
      );
      return finish(deps, job, claimed, await recordRejected(deps, notice, 'midtrans_refused'));
    case 'circuit_open':
      return waitForMidtrans(deps, job, notice.token, answer.retryInMs);
    case 'retryable':
      if (answer.reason === 'rate_limited' || answer.reason === 'local_rate_limit') {
        return waitForMidtrans(deps, job, notice.token, answer.retryAfterMs ?? 1_000);
      }
      throw new Error(
        `${MIDTRANS_UNAVAILABLE_PREFIX}Get Status ${answer.reason}${answer.httpStatus ? ` (${answer.httpStatus})` : ''}`,
      );
    case 'unauthorized':
      throw new Error(`${MIDTRANS_UNAVAILABLE_PREFIX}Midtrans rejected the server key (401)`);
  }
}

/** Get Status answered: it must be the notification's order; then what Midtrans says is applied. */
async function applyConfirmed(
  deps: Deps,
  notice: Notice,
  answer: Extract<StatusResult, { kind: 'found' | 'expired' }>,
  fields: Record<string, unknown>,
): Promise<ApplyStatusResult> {
  const { job, claimed, notifiedStatus } = notice;
  if (answer.signature === 'invalid') {
    deps.logger.error(
      { ...fields, alert: true },
      'Get Status answer carries a wrong signature_key; not applied',
    );
    throw new Error(`${MIDTRANS_UNAVAILABLE_PREFIX}Get Status answer has an invalid signature_key`);
  }
  const confirmed = toNotification(answer.status);
  if (confirmed.order_id !== claimed.order_id) {
    deps.logger.error(
      { ...fields, midtransOrderCode: shortId(confirmed.order_id) },
      'notification names a transaction of another order; nothing changed',
    );
    return finish(deps, job, claimed, await recordRejected(deps, notice, 'foreign_transaction'));
  }
  if (notifiedStatus !== claimText(confirmed)) {
    deps.logger.warn(
      { ...fields, notified: notifiedStatus, midtrans: claimText(confirmed) },
      'notification and Get Status disagree; applying what Midtrans says',
    );
  }
  try {
    const result = await deps.batcher.apply({
      syncType: 'webhook',
      status: confirmed,
      payload: withoutSignature(claimed),
      notifiedStatus,
      confirmation: withoutSignature(answer.body),
      jobId: notice.jobId,
      ...(deps.paidWatch ? { paidWatch: deps.paidWatch } : {}),
      ...(deps.shopOrders ? { shopOrders: deps.shopOrders } : {}),
    });
    return finish(deps, job, claimed, result);
  } catch (error) {
    if (isAppError(error) && error.code === 'LUNAS_ERR_PAYMENT_NOT_FOUND') {
      await waitForPaymentRow(deps, job, claimed);
    }
    throw error;
  }
}

function recordRejected(
  deps: Deps,
  notice: Notice,
  reasonCode: 'foreign_transaction' | 'unknown_to_midtrans' | 'midtrans_refused',
): Promise<ApplyStatusResult> {
  return recordWithoutChange(deps.batcher.log, {
    orderCode: notice.order?.orderCode ?? notice.claimed.order_id,
    paymentId: notice.target?.paymentId ?? null,
    status: notice.target?.paymentStatus ?? null,
    outcome: 'rejected',
    reasonCode,
    claimed: notice.claimed,
    notifiedStatus: notice.notifiedStatus,
    jobId: notice.jobId,
  });
}

/** 1. The job's body, if it is a verified notification; otherwise it changes nothing. */
function openJob(deps: Deps, job: Job<NotificationJobData>): MidtransNotification {
  const data = notificationJobSchema.safeParse(job.data);
  if (!data.success) {
    return unverified(deps, job, 'job data is not a notification job');
  }
  const { rawBody, seal } = data.data;
  const body = parseJsonObject(rawBody);
  if (!body) {
    return unverified(deps, job, 'job carries a body that is not a JSON object');
  }
  if (seal !== undefined) {
    if (!openSeal(rawBody, seal, deps.serverKey)) {
      return unverified(deps, job, 'job seal does not match its body');
    }
    const parsed = statusBodySchema.safeParse(body);
    if (!parsed.success || !statusCodeFits(parsed.data.transaction_status, parsed.data.status_code)) {
      return unverified(deps, job, 'sealed job carries a body that is not a Midtrans notification');
    }
    return toNotification(parsed.data);
  }
  // A job queued by an older API: the Midtrans signature is in the body.
  const verified = verifyNotificationBody(body, deps.serverKey);
  if (verified.kind !== 'verified') {
    return unverified(deps, job, `job carries no verified notification (${verified.kind})`);
  }
  return verified.notification;
}

function unverified(deps: Deps, job: Job, why: string): never {
  deps.logger.error(
    { jobId: job.id, alert: true, why },
    'notification job did not come through the webhook route (unsealed or altered); it changes nothing',
  );
  deps.onUnverified?.(job.id ?? null);
  throw new UnrecoverableError(permanentFailureMessage(why));
}

async function waitForPaymentRow(deps: Deps, job: Job, claimed: MidtransNotification): Promise<never> {
  const jobId = job.id;
  if (jobId) {
    // The trigger names the shop's order code: a Payment Link id waits under its base code too.
    const base = paymentLinkBaseOrderId(claimed.order_id);
    await deps.awaiting.remember(claimed.order_id, jobId);
    if (base) {
      await deps.awaiting.remember(base, jobId);
    }
    deps.logger.warn(
      { orderCode: shortId(claimed.order_id), jobId, attempt: job.attemptsMade + 1 },
      'no payment row for this notification yet; will retry',
    );
  }
  throw new AppError(
    'LUNAS_ERR_PAYMENT_NOT_FOUND',
    paymentNotFoundMessage(claimed.order_id, claimed.transaction_id),
  );
}

async function waitForMidtrans(
  deps: Deps,
  job: Job,
  token: string | undefined,
  delayMs: number,
): Promise<never> {
  deps.logger.info({ jobId: job.id, delayMs }, 'Midtrans busy or circuit open; the notification waits');
  if (token) {
    await job.moveToDelayed(Date.now() + Math.max(100, delayMs), token);
    throw new DelayedError();
  }
  throw new Error(`${MIDTRANS_UNAVAILABLE_PREFIX}rate limited or circuit open`);
}

async function finish(
  deps: Deps,
  job: Job,
  claimed: MidtransNotification,
  result: ApplyStatusResult,
): Promise<ApplyStatusResult> {
  if (job.id && job.attemptsMade > 0) {
    await deps.awaiting.forget(claimed.order_id, job.id);
  }
  logResult(deps.logger, result, claimed.transaction_status);
  deps.onApplied?.(result);
  return result;
}

/** "capture/challenge", "settlement": what a body says, for the audit row and logs. */
function claimText(n: MidtransNotification): string {
  const status = n.transaction_status.trim().toLowerCase();
  const fraud = n.fraud_status?.trim().toLowerCase();
  return fraud ? `${status}/${fraud}` : status;
}
