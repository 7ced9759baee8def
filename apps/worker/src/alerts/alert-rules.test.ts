import { describe, expect, it } from 'vitest';
import type { ApplyStatusResult } from '../sync/apply-status.js';
import { alertsForResult, deadLetterAlert, midtransAlert } from './alert-rules.js';

const base: ApplyStatusResult = {
  outcome: 'applied',
  orderCode: 'ORDER-1',
  paymentId: '7',
  from: 'PENDING',
  to: 'PAID',
  reversal: false,
  reasonCode: null,
  reason: null,
  orderStatusChanged: true,
  mismatch: null,
  paymentCreated: false,
  refundedAmount: '0',
};

describe('alert rules', () => {
  it('stays quiet on an ordinary payment', () => {
    expect(alertsForResult(base)).toEqual([]);
    expect(alertsForResult({ ...base, outcome: 'duplicate' })).toEqual([]);
  });

  it('alerts on a reversal, an amount rejection and a challenge, keyed by payment', () => {
    expect(alertsForResult({ ...base, from: 'PAID', to: 'DENIED', reversal: true })).toMatchObject([
      { cause: 'reversal', key: '7' },
    ]);
    expect(
      alertsForResult({
        ...base,
        outcome: 'rejected',
        reasonCode: 'amount_mismatch',
        reason: 'Midtrans 1.00 IDR, order 2.00 IDR',
      }),
    ).toMatchObject([{ cause: 'amount_rejected', key: '7' }]);
    expect(alertsForResult({ ...base, to: 'CHALLENGE' })).toMatchObject([{ cause: 'challenge', key: '7' }]);
    expect(
      alertsForResult({ ...base, outcome: 'rejected', reasonCode: 'unknown_status', reason: 'x' }),
    ).toEqual([]);
  });

  it('alerts on every mismatch kind the result carries, keyed by kind and payment', () => {
    expect(alertsForResult({ ...base, outcome: 'stale', mismatch: 'paid_not_in_midtrans' })).toMatchObject([
      { cause: 'mismatch', key: 'paid_not_in_midtrans:7' },
    ]);
    expect(alertsForResult({ ...base, to: 'REFUNDED', mismatch: 'refunded_unpaid' })).toMatchObject([
      { cause: 'mismatch', key: 'refunded_unpaid:7' },
    ]);
  });

  it('never puts amounts or reasons from Midtrans in the text', () => {
    const [alert] = alertsForResult({
      ...base,
      outcome: 'rejected',
      reasonCode: 'amount_mismatch',
      reason: 'Midtrans 99000.00 IDR, order 150000.00 IDR',
    });
    expect(alert?.text).not.toMatch(/99000|150000/);
    expect(deadLetterAlert('ntf-1', null, 13, 'LUNAS_ERR_PAYMENT_NOT_FOUND').text).toContain(
      'an unknown order',
    );
    expect(midtransAlert('unauthorized').text).not.toMatch(/SB-Mid/);
  });
});
