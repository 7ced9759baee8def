import { describe, expect, it } from 'vitest';
import {
  decideTransition,
  mapMidtransStatus,
  PAYMENT_STATUSES,
  type PaymentStatus,
  type ReversalEvidence,
} from './payment-state.js';

describe('mapMidtransStatus', () => {
  it.each([
    ['pending', undefined, 'PENDING'],
    ['settlement', undefined, 'PAID'],
    ['settlement', 'accept', 'PAID'],
    ['settlement', 'challenge', 'CHALLENGE'],
    ['settlement', 'deny', 'DENIED'],
    ['capture', 'accept', 'PAID'],
    ['capture', undefined, 'PAID'],
    ['capture', null, 'PAID'],
    ['capture', '', 'PAID'],
    ['capture', 'challenge', 'CHALLENGE'],
    ['capture', 'deny', 'DENIED'],
    ['authorize', 'accept', 'AUTHORIZED'],
    ['authorize', 'challenge', 'CHALLENGE'],
    ['deny', 'deny', 'DENIED'],
    ['cancel', 'accept', 'CANCELLED'],
    ['expire', undefined, 'EXPIRED'],
    ['failure', undefined, 'FAILED'],
    ['refund', 'accept', 'REFUNDED'],
    ['partial_refund', 'accept', 'PARTIALLY_REFUNDED'],
    ['chargeback', undefined, 'CHARGEBACK'],
    ['partial_chargeback', undefined, 'PARTIALLY_CHARGED_BACK'],
    ['PENDING', undefined, 'PENDING'],
    ['Settlement', undefined, 'PAID'],
    ['CAPTURE', 'CHALLENGE', 'CHALLENGE'],
    [' settlement ', undefined, 'PAID'],
  ] as const)('maps %s (fraud %s) to %s', (status, fraud, expected) => {
    expect(mapMidtransStatus(status, fraud)).toBe(expected);
  });

  it('returns null for a status or a fraud verdict Midtrans does not document', () => {
    expect(mapMidtransStatus('teleported')).toBeNull();
    expect(mapMidtransStatus('')).toBeNull();
    expect(mapMidtransStatus('settlement', 'maybe')).toBeNull();
    expect(mapMidtransStatus('capture', 'review')).toBeNull();
  });
});

// The whole transition table without evidence of the payment method and with equal refund
// amounts: every (current, incoming) pair has exactly one expected verdict.
// A = apply, D = duplicate, S = stale.
type Verdict = 'A' | 'D' | 'S';
const TABLE: Record<PaymentStatus, Record<PaymentStatus, Verdict>> = {
  //                      PEN  AUT  CHA  PAID PREF PCB  REF  CB   DEN  CAN  EXP  FAIL
  PENDING: row(/*      */ 'D', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A'),
  AUTHORIZED: row(/*   */ 'S', 'D', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A'),
  CHALLENGE: row(/*    */ 'S', 'S', 'D', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A'),
  PAID: row(/*         */ 'S', 'S', 'S', 'D', 'A', 'A', 'A', 'A', 'S', 'S', 'S', 'S'),
  PARTIALLY_REFUNDED: row('S', 'S', 'S', 'S', 'D', 'S', 'A', 'A', 'S', 'S', 'S', 'S'),
  PARTIALLY_CHARGED_BACK: row('S', 'S', 'S', 'S', 'S', 'D', 'A', 'A', 'S', 'S', 'S', 'S'),
  REFUNDED: row(/*     */ 'S', 'S', 'S', 'S', 'S', 'S', 'D', 'S', 'S', 'S', 'S', 'S'),
  CHARGEBACK: row(/*   */ 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'D', 'S', 'S', 'S', 'S'),
  DENIED: row(/*       */ 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'D', 'S', 'S', 'S'),
  CANCELLED: row(/*    */ 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'D', 'S', 'S'),
  EXPIRED: row(/*      */ 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'D', 'S'),
  FAILED: row(/*       */ 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'D'),
};

function row(...verdicts: Verdict[]): Record<PaymentStatus, Verdict> {
  return Object.fromEntries(PAYMENT_STATUSES.map((s, i) => [s, verdicts[i]])) as Record<
    PaymentStatus,
    Verdict
  >;
}

const st = (status: PaymentStatus, refundedAmount?: string) => ({
  status,
  refundedAmount: refundedAmount ?? null,
});

describe('decideTransition', () => {
  const cases = PAYMENT_STATUSES.flatMap((current) =>
    PAYMENT_STATUSES.map((incoming) => [current, incoming, TABLE[current][incoming]] as const),
  );

  it('covers every pair of statuses', () => {
    expect(cases).toHaveLength(PAYMENT_STATUSES.length ** 2);
    expect(cases.every(([, , verdict]) => verdict !== undefined)).toBe(true);
  });

  it.each(cases)('%s + %s → %s', (current, incoming, verdict) => {
    const decision = decideTransition(st(current), st(incoming));
    switch (verdict) {
      case 'A':
        expect(decision).toMatchObject({ kind: 'apply', from: current, to: incoming, reversal: false });
        break;
      case 'D':
        expect(decision).toEqual({ kind: 'duplicate', status: current });
        break;
      case 'S':
        expect(decision).toEqual({ kind: 'stale', current, incoming });
        break;
    }
  });

  it('never lets a late pending downgrade a paid or failed payment', () => {
    for (const current of ['PAID', 'DENIED', 'EXPIRED', 'CANCELLED', 'FAILED', 'REFUNDED'] as const) {
      expect(decideTransition(st(current), st('PENDING')).kind).toBe('stale');
    }
  });

  it('steps partial refunds by their cumulative amount', () => {
    expect(decideTransition(st('PAID'), st('PARTIALLY_REFUNDED', '5000.00'))).toMatchObject({
      kind: 'apply',
    });
    expect(
      decideTransition(st('PARTIALLY_REFUNDED', '5000.00'), st('PARTIALLY_REFUNDED', '8000.00')),
    ).toMatchObject({ kind: 'apply', from: 'PARTIALLY_REFUNDED', to: 'PARTIALLY_REFUNDED' });
    expect(
      decideTransition(st('PARTIALLY_REFUNDED', '8000.00'), st('PARTIALLY_REFUNDED', '8000.00')),
    ).toEqual({ kind: 'duplicate', status: 'PARTIALLY_REFUNDED' });
    expect(
      decideTransition(st('PARTIALLY_REFUNDED', '8000.00'), st('PARTIALLY_REFUNDED', '5000.00')).kind,
    ).toBe('stale');
    // A partial chargeback is not final: more can follow, and so can the full chargeback.
    expect(
      decideTransition(st('PARTIALLY_REFUNDED', '5000.00'), st('PARTIALLY_CHARGED_BACK', '9000.00')).kind,
    ).toBe('apply');
    expect(
      decideTransition(st('PARTIALLY_CHARGED_BACK', '9000.00'), st('CHARGEBACK', '150000.00')).kind,
    ).toBe('apply');
  });

  it('marks a refund of a payment never seen paid', () => {
    expect(decideTransition(st('PENDING'), st('REFUNDED', '150000.00'))).toMatchObject({
      kind: 'apply',
      withoutPayment: true,
    });
    expect(decideTransition(st('PAID'), st('REFUNDED', '150000.00'))).toMatchObject({
      kind: 'apply',
      withoutPayment: false,
    });
  });

  it.each([
    ['DENIED', { paymentType: 'bank_transfer', permataVa: true }, true],
    ['DENIED', { paymentType: 'echannel' }, true],
    ['DENIED', { paymentType: 'cstore', store: 'indomaret' }, true],
    ['DENIED', { paymentType: 'cstore', store: 'alfamart' }, false],
    ['DENIED', { paymentType: 'bank_transfer', permataVa: false }, false],
    ['DENIED', { paymentType: 'gopay' }, false],
    ['CANCELLED', { paymentType: 'credit_card' }, true],
    ['CANCELLED', { paymentType: 'echannel' }, false],
    ['EXPIRED', { paymentType: 'echannel' }, false],
  ] as const)('PAID → %s with %o is a reversal: %s', (to, evidence: ReversalEvidence, reversal) => {
    const decision = decideTransition(st('PAID'), st(to), evidence);
    expect(decision).toMatchObject(reversal ? { kind: 'apply', reversal: true } : { kind: 'stale' });
  });

  it('is monotonic: no sequence of applied transitions revisits a status', () => {
    const visit = (status: PaymentStatus, seen: Set<PaymentStatus>): void => {
      for (const next of PAYMENT_STATUSES) {
        const decision = decideTransition(st(status), st(next), { paymentType: 'echannel' });
        if (decision.kind === 'apply') {
          expect(seen.has(next)).toBe(false);
          visit(next, new Set([...seen, next]));
        }
      }
    };
    visit('PENDING', new Set(['PENDING']));
  });
});
