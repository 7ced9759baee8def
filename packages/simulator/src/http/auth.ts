/**
 * Midtrans authenticates Core and Snap calls with HTTP Basic: username = server key, empty
 * password (docs/midtrans.md, "Get Status"). The password is ignored, as only the key identifies
 * the merchant.
 */
import { timingSafeEqual } from 'node:crypto';

export function basicAuthKey(header: string | undefined): string | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) {
    return undefined;
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? decoded : decoded.slice(0, colon);
}

/** Constant-time comparison, so response timing does not leak the key. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) {
    return false;
  }
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The header value clients must send for `serverKey`. */
export function basicAuthHeader(serverKey: string): string {
  return `Basic ${Buffer.from(`${serverKey}:`).toString('base64')}`;
}
