/**
 * Which state changes each action makes (docs/midtrans.md, "Status values"). Pure: the engine
 * applies the steps one by one and sends a notification for each, so "pay" on a 3DS card
 * yields capture then settlement, as Midtrans reports them.
 */
import type { FraudStatus, PaymentType, TransactionStatus } from './types.js';

export type Action =
  'pay' | 'expire' | 'cancel' | 'deny' | 'approve' | 'challenge-deny' | 'reverse' | 'auto-capture';

export interface TransitionStep {
  readonly status: TransactionStatus;
  readonly fraudStatus?: FraudStatus;
}

interface State {
  readonly status: TransactionStatus;
  readonly fraudStatus: FraudStatus | undefined;
  readonly paymentType: PaymentType;
}

/** The steps an action takes from `state`, or null when Midtrans would answer 412. */
export function planTransition(state: State, action: Action): TransitionStep[] | null {
  const { status, fraudStatus, paymentType } = state;
  const challenged = status === 'capture' && fraudStatus === 'challenge';
  switch (action) {
    case 'pay':
      if (status === 'pending') {
        return paymentType === 'credit_card'
          ? [{ status: 'capture', fraudStatus: 'accept' }, { status: 'settlement' }]
          : [{ status: 'settlement' }];
      }
      // A challenged capture must be approved first; an accepted one settles.
      return status === 'capture' && !challenged ? [{ status: 'settlement' }] : null;
    case 'auto-capture':
      return status === 'pending' && paymentType === 'credit_card'
        ? [{ status: 'capture', fraudStatus: 'accept' }]
        : null;
    case 'expire':
      return status === 'pending' ? [{ status: 'expire' }] : null;
    case 'cancel':
      // Void a pending payment or a capture that has not settled yet.
      return status === 'pending' || status === 'capture' ? [{ status: 'cancel' }] : null;
    case 'deny':
      if (status === 'pending') {
        return [{ status: 'deny' }];
      }
      return challenged ? [{ status: 'deny', fraudStatus: 'deny' }] : null;
    case 'approve':
      return challenged ? [{ status: 'capture', fraudStatus: 'accept' }] : null;
    case 'challenge-deny':
      return challenged ? [{ status: 'deny', fraudStatus: 'deny' }] : null;
    case 'reverse':
      // The rare reversal (docs/midtrans.md, "Reversals"): settled funds are pulled back and the order is unpaid again.
      // Midtrans only does this for Permata VA, Mandiri Bill and Indomaret; the simulator allows
      // it for any settled transaction so any flow can be rehearsed.
      return status === 'settlement' ? [{ status: 'deny' }] : null;
  }
}

/** status_message of the response to each action. */
export const ACTION_MESSAGES: Record<Action, string> = {
  pay: 'Success, transaction is found',
  'auto-capture': 'Success, transaction is found',
  expire: 'Success, transaction has expired',
  cancel: 'Success, transaction is canceled',
  deny: 'Success, transaction is denied',
  approve: 'Success, transaction is approved',
  'challenge-deny': 'Success, transaction is denied',
  reverse: 'Success, transaction is found',
};
