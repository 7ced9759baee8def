/**
 * The parts of a Midtrans notification (or Get Status response, same shape) that Lunas uses.
 * Parsed leniently: Midtrans adds fields without notice, so unknown keys pass through.
 */
import { z } from 'zod';

/**
 * Every documented field is a string. One old doc sample sends status_code and gross_amount
 * as numbers; they are turned into text so the signature check, not the parser, decides.
 */
const text = z.union([z.string(), z.number()]).transform((v) => String(v));

export const notificationSchema = z.looseObject({
  order_id: z.string().min(1).max(100),
  transaction_id: z.string().min(1).max(100),
  transaction_status: z.string().min(1).max(40),
  status_code: text,
  gross_amount: text,
  signature_key: z.string(),
  fraud_status: z.string().max(40).nullish(),
  payment_type: z.string().max(60).nullish(),
  currency: z.string().max(8).nullish(),
  transaction_time: z.string().max(40).nullish(),
  settlement_time: z.string().max(40).nullish(),
  refund_amount: text.nullish(),
});

export type MidtransNotification = z.infer<typeof notificationSchema>;

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
