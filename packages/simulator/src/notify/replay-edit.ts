/**
 * Edits a genuine notification body the way an attacker holding one could, keeping its
 * signature_key (docs/midtrans.md, "What the signature does not bind"). Only the fields the
 * signature does not cover can be changed freely; order_id and status_code may only change
 * together (the boundary shift: "X-1" + "200" and "X-12" + "00" hash the same text).
 */
import { z } from 'zod';

export const replayEditSchema = z
  .strictObject({
    transaction_status: z.string().optional(),
    /** null removes the field. */
    fraud_status: z.string().nullable().optional(),
    transaction_id: z.string().optional(),
    payment_type: z.string().optional(),
    refund_amount: z.string().nullable().optional(),
    refunds: z.array(z.record(z.string(), z.unknown())).nullable().optional(),
    order_id: z.string().optional(),
    status_code: z.string().optional(),
    /**
     * Moves the boundary between order_id and status_code: n > 0 moves the first n characters of
     * status_code to the end of order_id ("X-1"/"200", 1 → "X-12"/"00"); n < 0 moves the last
     * -n characters of order_id to the front of status_code.
     */
    shift_boundary: z.number().int().optional(),
  })
  .refine((e) => (e.order_id === undefined) === (e.status_code === undefined), {
    message: 'order_id and status_code must be edited together (the signature covers their concatenation)',
  })
  .refine(
    (e) => e.shift_boundary === undefined || (e.order_id === undefined && e.status_code === undefined),
    {
      message: 'shift_boundary cannot be combined with order_id/status_code',
    },
  );

export type ReplayEdit = z.input<typeof replayEditSchema>;

const SIMPLE = ['transaction_status', 'transaction_id', 'payment_type', 'order_id', 'status_code'] as const;
const REMOVABLE = ['fraud_status', 'refund_amount', 'refunds'] as const;

/** The edited copy and the names of the fields that changed. Throws RangeError for a bad shift. */
export function applyReplayEdit(
  original: Record<string, unknown>,
  edit: z.output<typeof replayEditSchema>,
): { body: Record<string, unknown>; edited: string[] } {
  const body: Record<string, unknown> = structuredClone(original);
  for (const key of SIMPLE) {
    if (edit[key] !== undefined) {
      body[key] = edit[key];
    }
  }
  for (const key of REMOVABLE) {
    const value = edit[key];
    if (value === null) {
      delete body[key];
    } else if (value !== undefined) {
      body[key] = value;
    }
  }
  if (edit.shift_boundary !== undefined && edit.shift_boundary !== 0) {
    const orderId = typeof original.order_id === 'string' ? original.order_id : '';
    const statusCode = typeof original.status_code === 'string' ? original.status_code : '';
    const n = edit.shift_boundary;
    if (n > statusCode.length || -n >= orderId.length) {
      throw new RangeError(
        `shift_boundary ${n} is out of range for order_id "${orderId}" and status_code "${statusCode}"`,
      );
    }
    body.order_id = n > 0 ? orderId + statusCode.slice(0, n) : orderId.slice(0, n);
    body.status_code = n > 0 ? statusCode.slice(n) : orderId.slice(n) + statusCode;
  }
  const edited = Object.keys({ ...original, ...body }).filter(
    (key) => JSON.stringify(original[key]) !== JSON.stringify(body[key]),
  );
  return { body, edited };
}
