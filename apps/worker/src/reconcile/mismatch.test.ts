import { describe, expect, it } from 'vitest';
import { classifyMismatch } from './mismatch.js';

const base = { fraudStatus: 'accept', outcome: 'applied' as const, reason: null, reversal: false };

describe('classifyMismatch', () => {
  it('is clean when the settlement was applied', () => {
    expect(classifyMismatch({ ...base, transactionStatus: 'settlement', dbStatus: 'PAID' })).toBeNull();
  });
  it('flags money Midtrans holds that we refused for its amount', () => {
    expect(
      classifyMismatch({
        ...base,
        transactionStatus: 'settlement',
        dbStatus: 'PENDING',
        outcome: 'rejected',
        reason: 'amount mismatch: Midtrans 1.00 IDR, order 2.00 IDR',
      }),
    ).toBe('amount_rejected');
  });
  it('flags a payment paid at Midtrans that we hold as failed', () => {
    expect(
      classifyMismatch({ ...base, transactionStatus: 'settlement', dbStatus: 'EXPIRED', outcome: 'stale' }),
    ).toBe('paid_not_recorded');
  });
  it('flags a reversal', () => {
    expect(classifyMismatch({ ...base, transactionStatus: 'deny', dbStatus: 'DENIED', reversal: true })).toBe(
      'reversal',
    );
  });
  it('is clean while both sides are pending, and for a challenged capture', () => {
    expect(
      classifyMismatch({ ...base, transactionStatus: 'pending', dbStatus: 'PENDING', outcome: 'duplicate' }),
    ).toBeNull();
    expect(
      classifyMismatch({
        ...base,
        transactionStatus: 'capture',
        fraudStatus: 'challenge',
        dbStatus: 'CHALLENGE',
      }),
    ).toBeNull();
  });
});
