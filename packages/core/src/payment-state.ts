/**
 * The one payment state machine. Pure: no I/O, no clock.
 *
 * Midtrans reports a `transaction_status` (plus `fraud_status` for cards); Lunas keeps a
 * `payment_status` per payment row. Transitions only move forward along the lifecycle below,
 * so a late, duplicated or out-of-order notification can never undo a newer state.
 *
 *   PENDING ──► AUTHORIZED ──► CHALLENGE ──► PAID ──► PARTIALLY_REFUNDED ──► REFUNDED
 *      │             │              │          │              │
 *      └─────────────┴──────────────┴──► DENIED / CANCELLED / EXPIRED / FAILED      CHARGEBACK
 *
 * The one documented way back is the reversal: a `settlement` that later turns into `deny`
 * (Permata VA, Mandiri bill, Indomaret). Lunas applies it, flags it, and ops must look at it.
 * A `cancel` after `capture` (a card voided before settlement) is treated the same way.
 */

export const PAYMENT_STATUSES = [
  'PENDING',
  'AUTHORIZED',
  'CHALLENGE',
  'PAID',
  'PARTIALLY_REFUNDED',
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

export function isPaymentStatus(value: string): value is PaymentStatus {
  return (PAYMENT_STATUSES as readonly string[]).includes(value);
}

/**
 * Maps Midtrans's `transaction_status` (and `fraud_status`) to a payment status.
 * Comparison is case-insensitive: one Get Status sample says "PENDING".
 * Returns null for a status Midtrans may add in future; the caller rejects it, loudly.
 */
export function mapMidtransStatus(
  transactionStatus: string,
  fraudStatus?: string | null,
): PaymentStatus | null {
  const status = transactionStatus.trim().toLowerCase();
  const fraud = fraudStatus?.trim().toLowerCase();
  switch (status) {
    case 'pending':
      return 'PENDING';
    case 'settlement':
      return 'PAID';
    case 'capture':
      if (fraud === 'challenge') {
        return 'CHALLENGE';
      }
      // Midtrans: a capture is a success when fraud_status is accept or absent. A capture with
      // fraud_status deny is not documented; treat it as denied rather than paid.
      return fraud === 'deny' ? 'DENIED' : 'PAID';
    case 'authorize':
      return 'AUTHORIZED';
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
    case 'partial_chargeback':
      return 'CHARGEBACK';
    default:
      return null;
  }
}

/** Position along the lifecycle; a transition must move to a higher rank. */
const RANK: Record<PaymentStatus, number> = {
  PENDING: 0,
  AUTHORIZED: 1,
  CHALLENGE: 2,
  PAID: 3,
  PARTIALLY_REFUNDED: 4,
  REFUNDED: 5,
  CHARGEBACK: 5,
  // Failures end an unpaid payment; they rank with the paid branch's ends so that nothing
  // moves out of them.
  DENIED: 5,
  CANCELLED: 5,
  EXPIRED: 5,
  FAILED: 5,
};

const UNPAID_FAILURES: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>([
  'DENIED',
  'CANCELLED',
  'EXPIRED',
  'FAILED',
]);
const PAID_BRANCH: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>([
  'PAID',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
  'CHARGEBACK',
]);

/**
 * True for statuses that mean the customer's money reached the merchant at some point: PAID
 * and what can only follow it (refunds, chargebacks). A payment can enter this branch without
 * passing PAID here, when the settlement notification was lost and a refund arrives first.
 */
export function isPaidBranch(status: PaymentStatus): boolean {
  return PAID_BRANCH.has(status);
}

export type TransitionDecision =
  /** Move the payment to `to`. `reversal` marks a paid payment that Midtrans took back. */
  | {
      readonly kind: 'apply';
      readonly from: PaymentStatus;
      readonly to: PaymentStatus;
      readonly reversal: boolean;
    }
  /** Same status again: nothing to do. */
  | { readonly kind: 'duplicate'; readonly status: PaymentStatus }
  /** Older than what we hold (a late pending after settlement, say): nothing to do. */
  | { readonly kind: 'stale'; readonly current: PaymentStatus; readonly incoming: PaymentStatus };

/** Decides what an incoming status does to a payment that is in `current`. */
export function decideTransition(current: PaymentStatus, incoming: PaymentStatus): TransitionDecision {
  if (current === incoming) {
    return { kind: 'duplicate', status: current };
  }
  // The documented reversal (settlement → deny) and a voided capture (capture → cancel).
  if (current === 'PAID' && (incoming === 'DENIED' || incoming === 'CANCELLED')) {
    return { kind: 'apply', from: current, to: incoming, reversal: true };
  }
  // Once paid, only refunds and chargebacks move forward; once failed, nothing does.
  if (PAID_BRANCH.has(current) && UNPAID_FAILURES.has(incoming)) {
    return { kind: 'stale', current, incoming };
  }
  if (UNPAID_FAILURES.has(current)) {
    return { kind: 'stale', current, incoming };
  }
  if (RANK[incoming] > RANK[current]) {
    return { kind: 'apply', from: current, to: incoming, reversal: false };
  }
  return { kind: 'stale', current, incoming };
}
