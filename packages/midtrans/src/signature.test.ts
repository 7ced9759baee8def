import { describe, expect, it } from 'vitest';
import { computeSignature, verifySignature } from './signature.js';

// Test vectors from docs/midtrans.md ("Signature"), computed with sha512sum.
const KEY = 'SB-Mid-server-TEST';
const V200 =
  '60aa0c65b6bf7866f41ca886332fb7807a6216d2cb20353372c3c3c7abf5dd01da658be0d72995833389841f6fd7e4240497b8a01834470d3893e1a314e80dea';
const V201 =
  '7db3d08e7bdc56441122c2d4bb239d09af4c3f9da093b169ac388408ab874c5fba74379ed58a78511f93ed92ed6909a08ab95257f82bc021f8eb6b5fdd13c623';

describe('Midtrans signature', () => {
  it('matches the reference vector for a settlement (status 200)', () => {
    expect(
      computeSignature({ order_id: 'order-123', status_code: '200', gross_amount: '10000.00' }, KEY),
    ).toBe(V200);
  });

  it('matches the reference vector for a pending (status 201)', () => {
    expect(
      computeSignature({ order_id: 'order-123', status_code: '201', gross_amount: '10000.00' }, KEY),
    ).toBe(V201);
  });

  it('hashes the amount as sent: "10000" differs from "10000.00"', () => {
    const wrong = computeSignature({ order_id: 'order-123', status_code: '200', gross_amount: '10000' }, KEY);
    expect(wrong).not.toBe(V200);
    expect(wrong.startsWith('5233d3ec')).toBe(true);
    expect(wrong.endsWith('52297')).toBe(true);
  });

  it('accepts the right signature in either hex case and rejects one for another status or key', () => {
    const fields = { order_id: 'order-123', status_code: '200', gross_amount: '10000.00' };
    expect(verifySignature(fields, V200, KEY)).toBe(true);
    expect(verifySignature(fields, V201, KEY)).toBe(false);
    expect(verifySignature(fields, V200, 'SB-Mid-server-OTHER')).toBe(false);
    expect(verifySignature(fields, V200.toUpperCase(), KEY)).toBe(true);
    expect(verifySignature(fields, `${V200} `, KEY)).toBe(false);
    expect(verifySignature(fields, '', KEY)).toBe(false);
    expect(verifySignature(fields, V200.slice(0, 127), KEY)).toBe(false);
  });
});
