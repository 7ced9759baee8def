/**
 * Which ledger entry (if any) a Get Status answer implies, once the state machine has applied
 * it. Pure. The ledger (GET /admin/payments/mismatches) lists what a person must look at:
 * money Midtrans holds that we do not record, an amount we refused, a reversal.
 */
import { mapMidtransStatus, type PaymentStatus } from '@lunas/core';
import type { MismatchKind } from '@lunas/db';

const PAID_BRANCH: ReadonlySet<string> = new Set<PaymentStatus>([
  'PAID',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
  'CHARGEBACK',
]);

export interface MismatchInput {
  readonly transactionStatus: string;
  readonly fraudStatus: string | null | undefined;
  /** Our payment status after the answer was applied. */
  readonly dbStatus: string;
  readonly outcome: 'applied' | 'duplicate' | 'stale' | 'rejected';
  readonly reason: string | null;
  readonly reversal: boolean;
}

export function classifyMismatch(input: MismatchInput): MismatchKind | null {
  if (input.reversal) {
    return 'reversal';
  }
  const midtrans = mapMidtransStatus(input.transactionStatus, input.fraudStatus);
  if (midtrans !== null && PAID_BRANCH.has(midtrans) && !PAID_BRANCH.has(input.dbStatus)) {
    // The state machine's money guard refused it (amount or currency differ), or it could not
    // move (e.g. we hold a failure Midtrans no longer agrees with).
    return input.outcome === 'rejected' && input.reason?.startsWith('amount mismatch')
      ? 'amount_rejected'
      : 'paid_not_recorded';
  }
  return null;
}
