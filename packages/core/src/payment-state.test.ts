import { describe, expect, it } from 'vitest';
import {
  decideTransition,
  mapMidtransStatus,
  PAYMENT_STATUSES,
  type PaymentStatus,
} from './payment-state.js';

describe('mapMidtransStatus', () => {
  it.each([
    ['pending', undefined, 'PENDING'],
    ['settlement', undefined, 'PAID'],
    ['capture', 'accept', 'PAID'],
    ['capture', undefined, 'PAID'],
    ['capture', null, 'PAID'],
    ['capture', 'challenge', 'CHALLENGE'],
    ['capture', 'deny', 'DENIED'],
    ['authorize', 'accept', 'AUTHORIZED'],
    ['deny', 'deny', 'DENIED'],
    ['cancel', 'accept', 'CANCELLED'],
    ['expire', undefined, 'EXPIRED'],
    ['failure', undefined, 'FAILED'],
    ['refund', 'accept', 'REFUNDED'],
    ['partial_refund', 'accept', 'PARTIALLY_REFUNDED'],
    ['chargeback', undefined, 'CHARGEBACK'],
    ['partial_chargeback', undefined, 'CHARGEBACK'],
    ['PENDING', undefined, 'PENDING'],
    ['Settlement', undefined, 'PAID'],
    ['CAPTURE', 'CHALLENGE', 'CHALLENGE'],
    [' settlement ', undefined, 'PAID'],
  ] as const)('maps %s (fraud %s) to %s', (status, fraud, expected) => {
    expect(mapMidtransStatus(status, fraud)).toBe(expected);
  });

  it('returns null for a status Midtrans does not document', () => {
    expect(mapMidtransStatus('teleported')).toBeNull();
    expect(mapMidtransStatus('')).toBeNull();
  });
});

// The whole transition table: every (current, incoming) pair has exactly one expected verdict.
// A = apply, R = apply as reversal, D = duplicate, S = stale.
const TABLE: Record<PaymentStatus, Record<PaymentStatus, 'A' | 'R' | 'D' | 'S'>> = {
  //                 PENDING AUTHORIZED CHALLENGE PAID PARTIALLY_REFUNDED REFUNDED CHARGEBACK DENIED CANCELLED EXPIRED FAILED
  PENDING: row('D', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A'),
  AUTHORIZED: row('S', 'D', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A'),
  CHALLENGE: row('S', 'S', 'D', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A'),
  PAID: row('S', 'S', 'S', 'D', 'A', 'A', 'A', 'R', 'R', 'S', 'S'),
  PARTIALLY_REFUNDED: row('S', 'S', 'S', 'S', 'D', 'A', 'A', 'S', 'S', 'S', 'S'),
  REFUNDED: row('S', 'S', 'S', 'S', 'S', 'D', 'S', 'S', 'S', 'S', 'S'),
  CHARGEBACK: row('S', 'S', 'S', 'S', 'S', 'S', 'D', 'S', 'S', 'S', 'S'),
  DENIED: row('S', 'S', 'S', 'S', 'S', 'S', 'S', 'D', 'S', 'S', 'S'),
  CANCELLED: row('S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'D', 'S', 'S'),
  EXPIRED: row('S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'D', 'S'),
  FAILED: row('S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'S', 'D'),
};

function row(...verdicts: ('A' | 'R' | 'D' | 'S')[]): Record<PaymentStatus, 'A' | 'R' | 'D' | 'S'> {
  return Object.fromEntries(PAYMENT_STATUSES.map((s, i) => [s, verdicts[i]])) as Record<
    PaymentStatus,
    'A' | 'R' | 'D' | 'S'
  >;
}

describe('decideTransition', () => {
  const cases = PAYMENT_STATUSES.flatMap((current) =>
    PAYMENT_STATUSES.map((incoming) => [current, incoming, TABLE[current][incoming]] as const),
  );

  it('covers every pair of statuses', () => {
    expect(cases).toHaveLength(PAYMENT_STATUSES.length ** 2);
    expect(cases.every(([, , verdict]) => verdict !== undefined)).toBe(true);
  });

  it.each(cases)('%s + %s → %s', (current, incoming, verdict) => {
    const decision = decideTransition(current, incoming);
    switch (verdict) {
      case 'A':
        expect(decision).toEqual({ kind: 'apply', from: current, to: incoming, reversal: false });
        break;
      case 'R':
        expect(decision).toEqual({ kind: 'apply', from: current, to: incoming, reversal: true });
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
      expect(decideTransition(current, 'PENDING').kind).toBe('stale');
    }
  });

  it('is monotonic: no sequence of applied transitions revisits a status', () => {
    // Walk every path by depth-first search; a revisit would mean a cycle in the table.
    const visit = (status: PaymentStatus, seen: Set<PaymentStatus>): void => {
      for (const next of PAYMENT_STATUSES) {
        const decision = decideTransition(status, next);
        if (decision.kind === 'apply') {
          expect(seen.has(next)).toBe(false);
          visit(next, new Set([...seen, next]));
        }
      }
    };
    visit('PENDING', new Set(['PENDING']));
  });
});
