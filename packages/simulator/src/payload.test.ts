/**
 * Notification bodies: the signature vectors of docs/midtrans.md ("Signature") through
 * buildNotification, and Midtrans's string formats.
 */
import { describe, expect, it } from 'vitest';
import { statusCodeFor } from './engine/format.js';
import { buildNotification, buildStatusResponse } from './notify/payload.js';

const KEY = 'SB-Mid-server-TEST';
const V200 =
  '60aa0c65b6bf7866f41ca886332fb7807a6216d2cb20353372c3c3c7abf5dd01da658be0d72995833389841f6fd7e4240497b8a01834470d3893e1a314e80dea';
const V201 =
  '7db3d08e7bdc56441122c2d4bb239d09af4c3f9da093b169ac388408ab874c5fba74379ed58a78511f93ed92ed6909a08ab95257f82bc021f8eb6b5fdd13c623';

describe('buildNotification', () => {
  it('signs a settlement of order-123 / 10000.00 with the documented vector', () => {
    const body = buildNotification(
      { order_id: 'order-123', transaction_status: 'settlement', gross_amount: 10_000 },
      KEY,
    );
    expect(body).toMatchObject({ status_code: '200', gross_amount: '10000.00', signature_key: V200 });
  });

  it('signs a pending with the 201 vector', () => {
    const body = buildNotification(
      { order_id: 'order-123', transaction_status: 'pending', gross_amount: '10000.00' },
      KEY,
    );
    expect(body.signature_key).toBe(V201);
  });

  it('signs an amount string exactly as given ("10000" differs)', () => {
    const body = buildNotification(
      { order_id: 'order-123', transaction_status: 'settlement', gross_amount: '10000' },
      KEY,
    );
    expect(body.signature_key.startsWith('5233d3ec')).toBe(true);
  });

  it('fills the constant fields and keeps caller fields', () => {
    const body = buildNotification(
      {
        order_id: 'o-1',
        transaction_status: 'expire',
        gross_amount: 1,
        transaction_id: 't-1',
        payment_type: 'echannel',
      },
      KEY,
    );
    expect(body).toMatchObject({
      status_message: 'midtrans payment notification',
      status_code: '202',
      transaction_id: 't-1',
      payment_type: 'echannel',
      currency: 'IDR',
    });
    expect(body.transaction_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('requires a status_code for a status it does not know', () => {
    expect(() =>
      buildNotification({ order_id: 'o', transaction_status: 'failure', gross_amount: 1 }, KEY),
    ).toThrow(/status_code/);
    expect(
      buildNotification(
        { order_id: 'o', transaction_status: 'failure', gross_amount: 1, status_code: '200' },
        KEY,
      ).status_code,
    ).toBe('200');
  });
});

describe('status codes', () => {
  it('uses 202 for expire/cancel/deny notifications but 407/200 in Get Status', () => {
    expect(statusCodeFor('expire', undefined, 'notification')).toBe('202');
    expect(statusCodeFor('expire', undefined, 'status')).toBe('407');
    expect(statusCodeFor('cancel', undefined, 'notification')).toBe('202');
    expect(statusCodeFor('cancel', undefined, 'status')).toBe('200');
    expect(statusCodeFor('deny', 'accept', 'notification')).toBe('202');
    expect(
      buildStatusResponse({ order_id: 'o', transaction_status: 'expire', gross_amount: 5 }, KEY).status_code,
    ).toBe('407');
  });
});
