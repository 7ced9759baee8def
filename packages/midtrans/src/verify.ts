/**
 * The whole check of a notification body, for the API (what it accepts) and the worker (what it
 * will act on): a JSON object, not a subscription notification, a signature present, the fields
 * Lunas needs in strict form, a status_code that can belong to its transaction_status, and the
 * signature over the raw strings. Order matters: the strict formats are checked before the
 * hash, so that no boundary shift between order_id, status_code and gross_amount verifies.
 */
import {
  notificationSchema,
  isSubscriptionNotification,
  statusCodeFits,
  type MidtransNotification,
} from './notification.js';
import { verifySignature } from './signature.js';

export type VerifyOutcome =
  | {
      readonly kind: 'verified';
      readonly notification: MidtransNotification;
      readonly body: Record<string, unknown>;
    }
  | { readonly kind: 'subscription' }
  | { readonly kind: 'invalid'; readonly orderId: string | null; readonly fields: string[] }
  | {
      readonly kind: 'bad_status_code';
      readonly orderId: string;
      readonly statusCode: string;
      readonly transactionStatus: string;
    }
  | { readonly kind: 'bad_signature'; readonly orderId: string | null };

export function verifyNotificationBody(body: Record<string, unknown>, serverKey: string): VerifyOutcome {
  const orderId = typeof body.order_id === 'string' ? body.order_id : null;
  if (isSubscriptionNotification(body)) {
    return { kind: 'subscription' };
  }
  if (typeof body.signature_key !== 'string' || body.signature_key.length === 0) {
    return { kind: 'bad_signature', orderId };
  }
  const parsed = notificationSchema.safeParse(body);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'))];
    return { kind: 'invalid', orderId, fields };
  }
  const n = parsed.data;
  if (!statusCodeFits(n.transaction_status, n.status_code)) {
    return {
      kind: 'bad_status_code',
      orderId: n.order_id,
      statusCode: n.status_code,
      transactionStatus: n.transaction_status,
    };
  }
  if (!verifySignature(n, n.signature_key, serverKey)) {
    return { kind: 'bad_signature', orderId: n.order_id };
  }
  return { kind: 'verified', notification: n, body };
}

/** JSON.parse to an object, or null for anything else (not JSON, an array, a scalar). */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}
