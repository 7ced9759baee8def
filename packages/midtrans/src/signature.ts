/**
 * Midtrans notification signatures: signature_key = hex(sha512(order_id + status_code +
 * gross_amount + server_key)), over the raw strings exactly as they appear in the body.
 * "10000" and "10000.00" hash differently, on purpose: never re-format before hashing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface SignedFields {
  readonly order_id: string;
  readonly status_code: string;
  readonly gross_amount: string;
}

export function computeSignature(fields: SignedFields, serverKey: string): string {
  return createHash('sha512')
    .update(fields.order_id + fields.status_code + fields.gross_amount + serverKey, 'utf8')
    .digest('hex');
}

const HEX_128 = /^[0-9a-fA-F]{128}$/;

/**
 * Constant-time check of a claimed signature. The claim must be exactly 128 hex characters.
 * Midtrans sends lower case; upper case encodes the same digest, so it is accepted rather than
 * turned into a 401 that would make Midtrans give up on a genuine payment. Anything else
 * (whitespace, other lengths) is rejected before any comparison.
 */
export function verifySignature(fields: SignedFields, claimed: string, serverKey: string): boolean {
  if (!HEX_128.test(claimed)) {
    return false;
  }
  const expected = Buffer.from(computeSignature(fields, serverKey), 'hex');
  const actual = Buffer.from(claimed, 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
