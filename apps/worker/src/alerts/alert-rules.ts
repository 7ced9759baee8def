/**
 * Which events page a person, and with what words. Pure: each rule turns one observation into
 * at most one alert (cause, dedupe key, text). Texts come from fixed templates with an order
 * code or a job id filled in; never a payload, an amount from Midtrans, a key or a URL.
 */
import type { AlertCause, MismatchKind } from '@lunas/core';
import type { ApplyStatusResult } from '../sync/apply-status.js';

export interface AlertDraft {
  readonly cause: AlertCause;
  /** Dedupe key within the cause: the same cause and key alert once per dedupe window. */
  readonly key: string;
  readonly text: string;
}

const PREFIX = ':rotating_light: Lunas';

/** Alerts implied by one decided payment result (a notification, a reconcile or a manual check). */
const MISMATCH_TEXT: Record<MismatchKind, string> = {
  paid_not_recorded: 'Midtrans holds money for it that Lunas does not record as paid',
  amount_rejected: 'Midtrans reports a paid amount or currency that differs from the order',
  reversal: 'Midtrans reversed it after settlement',
  unknown_to_midtrans: 'Midtrans still does not know the transaction; Lunas stopped polling it',
  paid_not_in_midtrans:
    'Lunas records it as paid, but Midtrans says it is pending, failed or unknown: stop fulfilment and review it',
  refunded_unpaid:
    'Midtrans refunded or charged it back, but it was never recorded as paid: the order stays unpaid; review it',
};

export function alertsForResult(result: ApplyStatusResult): AlertDraft[] {
  const key = result.paymentId ?? `order:${result.orderCode}`;
  const where = `order ${result.orderCode} (payment ${result.paymentId ?? 'none'})`;
  if (result.reversal) {
    return [
      {
        cause: 'reversal',
        key,
        text: `${PREFIX}: payment reversed for ${where}: Midtrans sent deny after settlement. The order is now PAYMENT_REVERSED; stop fulfilment and review it.`,
      },
    ];
  }
  if (result.outcome === 'rejected' && result.reasonCode === 'amount_mismatch') {
    return [
      {
        cause: 'amount_rejected',
        key,
        text: `${PREFIX}: amount rejected for ${where}: Midtrans reports a paid amount or currency that differs from the order. Nothing was changed; check the mismatch ledger in the console.`,
      },
    ];
  }
  if (result.outcome === 'applied' && result.to === 'CHALLENGE') {
    return [
      {
        cause: 'challenge',
        key,
        text: `${PREFIX}: payment in CHALLENGE for ${where}: Midtrans's fraud check wants a person to accept or deny it in the Midtrans dashboard.`,
      },
    ];
  }
  if (result.mismatch && result.mismatch !== 'amount_rejected') {
    return [mismatchAlert(result.mismatch, result.orderCode, key)];
  }
  return [];
}

/** A payment put on the mismatch ledger (by a notification, the sweep or a manual check). */
export function mismatchAlert(kind: MismatchKind, orderCode: string, key: string): AlertDraft {
  return {
    cause: 'mismatch',
    key: `${kind}:${key}`,
    text: `${PREFIX}: mismatch (${kind}) for order ${orderCode}: ${MISMATCH_TEXT[kind]}. See the mismatch ledger in the console.`,
  };
}

/** A job on the notification queue that did not come through the webhook route. */
export function unverifiedJobAlert(jobId: string | null): AlertDraft {
  return {
    cause: 'unverified_job',
    key: jobId ?? 'unknown',
    text: `${PREFIX}: a notification job that did not come through the webhook route (unsealed or altered) was refused (job ${jobId ?? 'unknown'}). Someone wrote to the queue directly: check who has access to Redis and the admin token.`,
  };
}

export function deadLetterAlert(
  jobId: string,
  orderCode: string | null,
  attempts: number,
  errorCode: string,
): AlertDraft {
  const order = orderCode ? `order ${orderCode}` : 'an unknown order';
  return {
    cause: 'dead_letter',
    key: jobId,
    text: `${PREFIX}: a notification for ${order} ran out of retries after ${attempts} attempts (${errorCode}). It is in the dead letters (console, Bull Board: payment-notifications, failed); retry it there once the cause is fixed.`,
  };
}

export function stuckPaymentAlert(orderCode: string, paymentId: string, ageMinutes: number): AlertDraft {
  return {
    cause: 'stuck_payment',
    key: paymentId,
    text: `${PREFIX}: payment stuck PENDING for ${ageMinutes} minutes: order ${orderCode} (payment ${paymentId}). Open it in the console and press "Sync payment status".`,
  };
}

export function midtransAlert(kind: 'circuit_open' | 'unauthorized'): AlertDraft {
  return kind === 'circuit_open'
    ? {
        cause: 'midtrans_circuit_open',
        key: 'midtrans',
        text: `${PREFIX}: the Midtrans circuit is open: Get Status calls kept failing (429/5xx/timeouts), so reconciliation is paused until a probe succeeds.`,
      }
    : {
        cause: 'midtrans_unauthorized',
        key: 'midtrans',
        text: `${PREFIX}: Midtrans answered 401 to Get Status: the server key is wrong or for the other environment. Check MIDTRANS_SERVER_KEY and MIDTRANS_IS_PRODUCTION.`,
      };
}
