/**
 * The parts of a Midtrans notification (or Get Status response, same shape) that Lunas uses.
 * Parsed leniently where Midtrans may add fields (unknown keys pass through), strictly where a
 * value feeds the signature: status_code must be one of Midtrans's three-digit codes and
 * gross_amount a plain decimal, so that no characters can move between order_id, status_code
 * and gross_amount and still hash the same (docs/midtrans.md, "What the signature does not bind").
 */
import { z } from 'zod';

/**
 * Every documented field is a string. Midtrans's published Payment Link sample sends
 * status_code and gross_amount as JSON numbers (201, 10000); those are taken as their decimal
 * text, which is what the signature check then sees.
 */
const text = z.union([z.string(), z.number()]).transform((v) => String(v));

/** Digits with Midtrans's optional two decimals: no sign, no leading zeros, no spaces, no exponent. */
export const GROSS_AMOUNT_PATTERN = /^(?:0|[1-9]\d{0,14})(?:\.\d{2})?$/;

/** Midtrans's three-digit status codes (docs/midtrans.md, "Status codes"). */
export const STATUS_CODE_PATTERN = /^[1-5]\d{2}$/;

const statusCode = text.pipe(z.string().regex(STATUS_CODE_PATTERN, 'a three-digit Midtrans status code'));
const grossAmount = text.pipe(z.string().regex(GROSS_AMOUNT_PATTERN, 'a plain decimal amount'));

const refundEntrySchema = z.looseObject({
  refund_chargeback_id: z.union([z.string(), z.number()]).transform(String).nullish(),
  refund_chargeback_uuid: z.string().max(100).nullish(),
  refund_amount: grossAmount,
  created_at: z.string().max(40).nullish(),
  reason: z.string().max(500).nullish(),
  refund_key: z.string().max(100).nullish(),
  refund_method: z.string().max(40).nullish(),
  bank_confirmed_at: z.string().max(40).nullish(),
});
export type RefundEntry = z.infer<typeof refundEntrySchema>;

export const notificationSchema = z.looseObject({
  order_id: z.string().min(1).max(100),
  transaction_id: z.string().min(1).max(100),
  transaction_status: z.string().min(1).max(40),
  status_code: statusCode,
  gross_amount: grossAmount,
  signature_key: z.string(),
  fraud_status: z.string().max(40).nullish(),
  payment_type: z.string().max(60).nullish(),
  currency: z.string().max(8).nullish(),
  transaction_time: z.string().max(40).nullish(),
  settlement_time: z.string().max(40).nullish(),
  refund_amount: grossAmount.nullish(),
  refunds: z.array(refundEntrySchema).max(1_000).nullish(),
  permata_va_number: z.string().max(60).nullish(),
  store: z.string().max(60).nullish(),
});

export type MidtransNotification = z.infer<typeof notificationSchema>;

/**
 * The status codes a notification may carry for each transaction_status. A code outside its
 * status's set is refused at ingest (nothing queued). Where Midtrans publishes no sample the
 * set is marked UNCONFIRMED: it is wider, since the worker confirms every state change with
 * Get Status anyway, and a refused genuine notification would only be found later by the sweep.
 */
const NOTIFICATION_STATUS_CODES: Readonly<Record<string, readonly string[]>> = {
  // 201 in every sample; DANA answers 200 for pending (in Get Status; accepted here too).
  pending: ['201', '200'],
  // 200 accepted; 201 when held for review (fraud_status challenge, Midtrans's samples).
  capture: ['200', '201'],
  authorize: ['200', '201'],
  settlement: ['200'],
  deny: ['202'],
  cancel: ['202', '200'],
  // 202 in notifications; 407 is Get Status's and the expire API's code for it.
  expire: ['202', '407'],
  refund: ['200'],
  partial_refund: ['200'],
  // UNCONFIRMED: no published sample of a chargeback or failure notification.
  chargeback: ['200', '202'],
  partial_chargeback: ['200', '202'],
  failure: ['202', '200'],
};

/** Codes accepted for a transaction_status Lunas does not know (the worker rejects it, loudly). */
const ANY_NOTIFICATION_CODE: readonly string[] = ['200', '201', '202', '407'];

/** True when `statusCode` can belong to a notification with this `transactionStatus`. */
export function statusCodeFits(transactionStatus: string, statusCode: string): boolean {
  const allowed = NOTIFICATION_STATUS_CODES[transactionStatus.trim().toLowerCase()] ?? ANY_NOTIFICATION_CODE;
  return allowed.includes(statusCode);
}

/**
 * A subscription (recurring) notification: sent to the "Recurring Notification URL", with no
 * signature_key and no order_id, so it can never be verified (docs/midtrans.md).
 */
export function isSubscriptionNotification(body: Record<string, unknown>): boolean {
  return (
    !('order_id' in body) &&
    !('signature_key' in body) &&
    ('subscription' in body || 'event_name' in body || 'transaction' in body)
  );
}

/** Midtrans timestamps: "YYYY-MM-DD HH:MM:SS", no zone, always Asia/Jakarta (GMT+7). */
const MIDTRANS_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

export function parseMidtransTime(value: string | null | undefined): Date | null {
  if (!value) {
    return null;
  }
  const m = MIDTRANS_TIME.exec(value.trim());
  if (!m) {
    return null;
  }
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+07:00`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Formats a Date as Midtrans does (GMT+7, no zone designator). */
export function formatMidtransTime(date: Date): string {
  const jakarta = new Date(date.getTime() + 7 * 60 * 60 * 1000);
  return jakarta.toISOString().slice(0, 19).replace('T', ' ');
}
