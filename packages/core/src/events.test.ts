import { describe, expect, it } from 'vitest';
import {
  deliveredEvent,
  deliveredEventSchema,
  eventIdOfMessageId,
  eventMessageId,
  eventsForTransition,
  paymentEventType,
  type AppliedTransition,
} from './events.js';
import { PAYMENT_STATUSES } from './payment-state.js';

const base: AppliedTransition = {
  orderCode: 'O-1',
  paymentId: '7',
  transactionId: 'tx-1',
  midtransOrderId: 'O-1',
  from: 'PENDING',
  to: 'PAID',
  midtransStatus: 'settlement',
  paymentType: 'gopay',
  grossAmount: '150000',
  currency: 'idr',
  refundedBefore: '0',
  refundedAfter: '0',
  reversal: false,
  orderBecamePaid: true,
  occurredAt: new Date('2026-12-01T00:00:00Z'),
};

describe('the event catalog', () => {
  it('gives every payment status exactly one payment.* type', () => {
    for (const status of PAYMENT_STATUSES) {
      expect(paymentEventType(status, false)).toMatch(/^payment\./);
    }
    expect(paymentEventType('DENIED', true)).toBe('payment.reversed');
    expect(paymentEventType('EXPIRED', false)).toBe('payment.expired');
    expect(paymentEventType('CANCELLED', false)).toBe('payment.failed');
  });

  it('writes payment.paid then order.paid when the order became PAID, amounts normalised', () => {
    const drafts = eventsForTransition(base);
    expect(drafts.map((d) => d.type)).toEqual(['payment.paid', 'order.paid']);
    expect(drafts[0]?.payload).toMatchObject({ gross_amount: '150000.00', currency: 'IDR' });
    expect(drafts[0]?.payload.refund).toBeUndefined();
    expect(eventsForTransition({ ...base, orderBecamePaid: false }).map((d) => d.type)).toEqual([
      'payment.paid',
    ]);
  });

  it('gives refund steps their own amount and the cumulative total', () => {
    const [step] = eventsForTransition({
      ...base,
      from: 'PARTIALLY_REFUNDED',
      to: 'PARTIALLY_REFUNDED',
      refundedBefore: '37500.00',
      refundedAfter: '75000.00',
      orderBecamePaid: false,
    });
    expect(step).toMatchObject({
      type: 'payment.refunded',
      payload: { refund: { amount: '37500.00', total: '75000.00' } },
    });
    const [chargeback] = eventsForTransition({ ...base, to: 'CHARGEBACK', refundedAfter: '150000' });
    expect(chargeback).toMatchObject({
      type: 'payment.charged_back',
      payload: { refund: { total: '150000.00' } },
    });
  });

  it('delivers a body the schema accepts, with a stable webhook-id', () => {
    const [draft] = eventsForTransition(base);
    const body = deliveredEvent({
      id: '42',
      type: draft!.type,
      payload: draft!.payload,
      createdAt: new Date(0),
    });
    expect(deliveredEventSchema.parse(body)).toMatchObject({ id: 'evt_42', type: 'payment.paid' });
    expect(eventMessageId('42')).toBe('evt_42');
    expect(eventIdOfMessageId('evt_42')).toBe('42');
    expect(eventIdOfMessageId('evt_x')).toBeNull();
  });
});
