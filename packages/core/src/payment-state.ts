/**
 * The one payment state machine. Pure: no I/O, no clock.
 *
 * Midtrans reports a `transaction_status` (plus `fraud_status` for cards); Lunas keeps a
 * `payment_status` per payment row. Transitions only move forward along the lifecycle below,
 * so a late, duplicated or out-of-order status can never undo a newer state. The state machine
 * only ever sees statuses Midtrans itself confirmed (Get Status); see docs/midtrans.md.
 *
 *   PENDING ──► AUTHORIZED ──► CHALLENGE ──► PAID ──► PARTIALLY_REFUNDED ─────► REFUNDED
 *      │             │              │          │  └──► PARTIALLY_CHARGED_BACK ─► CHARGEBACK
 *      └─────────────┴──────────────┴──► DENIED / CANCELLED / EXPIRED / FAILED
 *
 * Partial steps repeat: each new partial refund (a larger cumulative amount) is a transition of
 * its own. The one documented way back is the reversal (docs/midtrans.md, "Reversals"): a
 * settlement that later turns into deny for Permata VA, Mandiri bill or Indomaret, and a card
 * capture cancelled before it settled. Anything else that would leave the paid branch is not
 * applied: it goes on the mismatch ledger for a person.
 */
import { compareAmounts } from './money.js';

export const PAYMENT_STATUSES = [
  'PENDING',
  'AUTHORIZED',
  'CHALLENGE',
  'PAID',
  'PARTIALLY_REFUNDED',
  'PARTIALLY_CHARGED_BACK',
  'REFUNDED',
  'CHARGEBACK',
  'DENIED',
  'CANCELLED',
  'EXPIRED',
  'FAILED',
] as const;

export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Statuses after which no check against Midtrans can change anything we act on. */
export const FINAL_STATUSES: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>([
  'REFUNDED',
  'CHARGEBACK',
  'DENIED',
  'CANCELLED',
  'EXPIRED',
  'FAILED',
]);

/** Statuses that still wait for Midtrans to settle them one way or the other. */
export const OPEN_STATUSES: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>([
  'PENDING',
  'AUTHORIZED',
  'CHALLENGE',
]);

/** Failures of an unpaid payment. */
export const FAILED_STATUSES: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>([
  'DENIED',
  'CANCELLED',
  'EXPIRED',
  'FAILED',
]);

/**
 * Statuses that mean the customer's money reached the merchant at some point: PAID and what can
 * only follow it (refunds, chargebacks).
 */
export const PAID_BRANCH_STATUSES: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>([
  'PAID',
  'PARTIALLY_REFUNDED',
  'PARTIALLY_CHARGED_BACK',
  'REFUNDED',
  'CHARGEBACK',
]);

/** The paid branch's statuses after PAID: money (partly) went back. */
export const REFUND_BRANCH_STATUSES: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>([
  'PARTIALLY_REFUNDED',
  'PARTIALLY_CHARGED_BACK',
  'REFUNDED',
  'CHARGEBACK',
]);

/** Partial steps: they repeat, each with a larger cumulative amount. */
const PARTIAL_STATUSES: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>([
  'PARTIALLY_REFUNDED',
  'PARTIALLY_CHARGED_BACK',
]);

export function isPaymentStatus(value: string): value is PaymentStatus {
  return (PAYMENT_STATUSES as readonly string[]).includes(value);
}

/**
 * True for statuses that mean the customer's money reached the merchant at some point. A
 * payment can enter this branch without passing PAID here, when the settlement was never seen
 * and a refund is the first status Midtrans shows us.
 */
export function isPaidBranch(status: PaymentStatus): boolean {
  return PAID_BRANCH_STATUSES.has(status);
}

/**
 * Maps Midtrans's `transaction_status` and `fraud_status` to a payment status, strictly:
 * settlement, capture and authorize count as money only with fraud_status accept or absent
 * (Midtrans's own rule, docs/midtrans.md "Fraud status and the paid rule"); challenge holds
 * them for review, deny fails them. Comparison is case-insensitive (one Get Status sample says
 * "PENDING"). Returns null for a status or fraud verdict Midtrans does not document; the caller
 * rejects it, loudly.
 */
export function mapMidtransStatus(
  transactionStatus: string,
  fraudStatus?: string | null,
): PaymentStatus | null {
  const status = transactionStatus.trim().toLowerCase();
  const fraud = fraudStatus?.trim().toLowerCase() || undefined;
  const screened = (ok: PaymentStatus): PaymentStatus | null => {
    switch (fraud) {
      case undefined:
      case 'accept':
        return ok;
      case 'challenge':
        return 'CHALLENGE';
      case 'deny':
        return 'DENIED';
      default:
        return null;
    }
  };
  switch (status) {
    case 'pending':
      return 'PENDING';
    case 'settlement':
    case 'capture':
      return screened('PAID');
    case 'authorize':
      return screened('AUTHORIZED');
    case 'deny':
      return 'DENIED';
    case 'cancel':
      return 'CANCELLED';
    case 'expire':
      return 'EXPIRED';
    case 'failure':
      return 'FAILED';
    case 'refund':
      return 'REFUNDED';
    case 'partial_refund':
      return 'PARTIALLY_REFUNDED';
    case 'chargeback':
      return 'CHARGEBACK';
    case 'partial_chargeback':
      return 'PARTIALLY_CHARGED_BACK';
    default:
      return null;
  }
}

/** Position along the lifecycle; a transition must move to a higher rank (partials: more money). */
const RANK: Record<PaymentStatus, number> = {
  PENDING: 0,
  AUTHORIZED: 1,
  CHALLENGE: 2,
  PAID: 3,
  PARTIALLY_REFUNDED: 4,
  PARTIALLY_CHARGED_BACK: 4,
  REFUNDED: 5,
  CHARGEBACK: 5,
  // Failures end an unpaid payment; they rank with the paid branch's ends so that nothing
  // moves out of them.
  DENIED: 5,
  CANCELLED: 5,
  EXPIRED: 5,
  FAILED: 5,
};

/** A payment as the state machine sees it: its status and the cumulative amount returned. */
export interface PaymentState {
  readonly status: PaymentStatus;
  /** Cumulative refunded or charged-back amount ("5000.00"); null or "0" when none. */
  readonly refundedAmount?: string | null;
}

/**
 * What Midtrans told us about the payment method, from a confirmed status: enough to tell a
 * documented reversal from a transition Midtrans does not document.
 */
export interface ReversalEvidence {
  readonly paymentType: string | null | undefined;
  /** bank_transfer through Permata (the body has permata_va_number, or a Permata VA). */
  readonly permataVa?: boolean;
  /** cstore's store ("indomaret", "alfamart"). */
  readonly store?: string | null | undefined;
}

/**
 * True when Midtrans documents that a paid payment of this method can turn into `to`:
 * settlement → deny for Permata VA, Mandiri bill (echannel) and Indomaret; a card capture
 * cancelled before settlement (docs/midtrans.md, "Reversals").
 */
export function isDocumentedReversal(to: PaymentStatus, evidence: ReversalEvidence | undefined): boolean {
  const type = evidence?.paymentType?.trim().toLowerCase();
  if (to === 'DENIED') {
    return (
      type === 'echannel' ||
      (type === 'bank_transfer' && evidence?.permataVa === true) ||
      (type === 'cstore' && evidence?.store?.trim().toLowerCase() === 'indomaret')
    );
  }
  if (to === 'CANCELLED') {
    return type === 'credit_card';
  }
  return false;
}

export type TransitionDecision =
  /**
   * Move the payment to `to`. `reversal` marks a paid payment that Midtrans took back;
   * `withoutPayment` a payment that enters the refund branch without ever having been PAID here
   * (its settlement was never seen: the order must not become PAID from it).
   */
  | {
      readonly kind: 'apply';
      readonly from: PaymentStatus;
      readonly to: PaymentStatus;
      readonly reversal: boolean;
      readonly withoutPayment: boolean;
    }
  /** Same status (and, for partial steps, the same amount) again: nothing to do. */
  | { readonly kind: 'duplicate'; readonly status: PaymentStatus }
  /** Older than what we hold (a late pending after settlement, say): nothing to do. */
  | { readonly kind: 'stale'; readonly current: PaymentStatus; readonly incoming: PaymentStatus };

const refunded = (state: PaymentState): string => state.refundedAmount ?? '0';

/** Decides what an incoming (confirmed) status does to a payment that is in `current`. */
export function decideTransition(
  current: PaymentState,
  incoming: PaymentState,
  evidence?: ReversalEvidence,
): TransitionDecision {
  const from = current.status;
  const to = incoming.status;
  const apply = (reversal = false): TransitionDecision => ({
    kind: 'apply',
    from,
    to,
    reversal,
    withoutPayment: OPEN_STATUSES.has(from) && REFUND_BRANCH_STATUSES.has(to),
  });
  const stale: TransitionDecision = { kind: 'stale', current: from, incoming: to };

  // Partial steps: more money back is a new step, the same amount a duplicate, less is old.
  if (PARTIAL_STATUSES.has(from) && PARTIAL_STATUSES.has(to)) {
    const order = compareAmounts(refunded(incoming), refunded(current));
    if (order === null) {
      return stale;
    }
    if (order > 0) {
      return apply();
    }
    return from === to && order === 0 ? { kind: 'duplicate', status: from } : stale;
  }
  if (from === to) {
    return { kind: 'duplicate', status: from };
  }
  if (from === 'PAID' && FAILED_STATUSES.has(to)) {
    return isDocumentedReversal(to, evidence) ? apply(true) : stale;
  }
  // Once paid, only refunds and chargebacks move forward; once failed, nothing does.
  if (FAILED_STATUSES.has(from) || (PAID_BRANCH_STATUSES.has(from) && FAILED_STATUSES.has(to))) {
    return stale;
  }
  return RANK[to] > RANK[from] ? apply() : stale;
}
