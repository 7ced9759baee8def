/**
 * The words of the audit log and the mismatch ledger, in one place: how a result was obtained
 * (SyncType), what it did (SyncOutcome), why it was refused (SyncReason) and what a person must
 * look at (MismatchKind). Pure.
 */
import {
  FAILED_STATUSES,
  isPaidBranch,
  OPEN_STATUSES,
  REFUND_BRANCH_STATUSES,
  type PaymentStatus,
} from './payment-state.js';

export const SYNC_TYPES = ['webhook', 'reconcile', 'manual'] as const;
export type SyncType = (typeof SYNC_TYPES)[number];

export const SYNC_OUTCOMES = ['applied', 'duplicate', 'stale', 'rejected'] as const;
export type SyncOutcome = (typeof SYNC_OUTCOMES)[number];

/** Why a result changed nothing although it was not a duplicate or stale. */
export const SYNC_REASONS = [
  /** Midtrans reports a paid amount or currency that differs from the order. */
  'amount_mismatch',
  /** A transaction_status (or fraud_status) Midtrans does not document. */
  'unknown_status',
  /** The payment row holds a status Lunas does not know (written by hand?). */
  'unknown_payment_status',
  /** Get Status says the notification's transaction belongs to another order. */
  'foreign_transaction',
  /** Get Status does not know the notification's transaction (a dashboard test, a forgery). */
  'unknown_to_midtrans',
  /** Get Status refused the request as sent (a 4xx other than 401/404). */
  'midtrans_refused',
] as const;
export type SyncReason = (typeof SYNC_REASONS)[number];

/** What the ledger (GET /admin/payments/mismatches) lists; each kind alerts. */
export const MISMATCH_KINDS = [
  /** Midtrans holds money we do not record as paid. */
  'paid_not_recorded',
  /** Midtrans says paid, but the amount or currency differs from the order: refused. */
  'amount_rejected',
  /** A paid payment Midtrans reversed (settlement → deny). */
  'reversal',
  /** Midtrans has not known this payment for RECONCILE_UNKNOWN_AFTER_MS. */
  'unknown_to_midtrans',
  /** Lunas says paid; Midtrans says pending, failed, or does not know the transaction. */
  'paid_not_in_midtrans',
  /** Refunded or charged back without ever having been recorded as paid. */
  'refunded_unpaid',
] as const;
export type MismatchKind = (typeof MISMATCH_KINDS)[number];

export interface MismatchInput {
  /** Midtrans's status, mapped (null: not a documented status). */
  readonly midtrans: PaymentStatus | null;
  /** Our payment status after the answer was applied. */
  readonly db: PaymentStatus;
  /** The payment was recorded as PAID at some point (paid_at is set). */
  readonly everPaid: boolean;
  readonly reason: SyncReason | null;
  readonly reversal: boolean;
}

/** Which ledger entry (if any) a confirmed Midtrans status implies, once it has been applied. */
export function classifyMismatch(input: MismatchInput): MismatchKind | null {
  if (input.reversal) {
    return 'reversal';
  }
  const { midtrans, db } = input;
  if (midtrans !== null && isPaidBranch(midtrans) && !isPaidBranch(db)) {
    return input.reason === 'amount_mismatch' ? 'amount_rejected' : 'paid_not_recorded';
  }
  if (
    isPaidBranch(db) &&
    midtrans !== null &&
    (OPEN_STATUSES.has(midtrans) || FAILED_STATUSES.has(midtrans))
  ) {
    return 'paid_not_in_midtrans';
  }
  if (REFUND_BRANCH_STATUSES.has(db) && !input.everPaid) {
    return 'refunded_unpaid';
  }
  return null;
}
