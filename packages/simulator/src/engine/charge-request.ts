/**
 * The request bodies the simulator accepts: Core API /v2/charge and Snap /transactions.
 * Parsed leniently (unknown fields pass), but what the simulator needs is validated the way
 * Midtrans documents it: order_id ≤ 50 of [A-Za-z0-9-_~.], a positive gross_amount.
 */
import { z } from 'zod';

const amount = z.union([
  z.number().positive().finite(),
  z
    .string()
    .regex(/^\d{1,15}(\.\d{1,2})?$/, 'must be a number')
    .transform(Number),
]);

export const transactionDetailsSchema = z.looseObject({
  order_id: z
    .string()
    .min(1)
    .max(50)
    .regex(/^[A-Za-z0-9\-_~.]+$/, 'only letters, digits and - _ ~ . are allowed'),
  gross_amount: amount.refine((v) => v > 0, 'must be greater than 0'),
});

export const PAYMENT_TYPES = [
  'bank_transfer',
  'echannel',
  'gopay',
  'qris',
  'cstore',
  'credit_card',
  'dana',
] as const;

export const VA_BANKS = ['bca', 'bni', 'bri', 'permata'] as const;

export const chargeRequestSchema = z.looseObject({
  payment_type: z.enum(PAYMENT_TYPES),
  transaction_details: transactionDetailsSchema,
  bank_transfer: z.looseObject({ bank: z.enum(VA_BANKS), va_number: z.string().optional() }).optional(),
  echannel: z
    .looseObject({ bill_info1: z.string().optional(), bill_info2: z.string().optional() })
    .optional(),
  credit_card: z
    .looseObject({
      token_id: z.string().optional(),
      card_number: z.string().optional(),
      bank: z.string().optional(),
      authentication: z.boolean().optional(),
    })
    .optional(),
  cstore: z
    .looseObject({ store: z.enum(['indomaret', 'alfamart']), message: z.string().optional() })
    .optional(),
  qris: z.looseObject({ acquirer: z.string().optional() }).optional(),
  custom_expiry: z
    .looseObject({
      expiry_duration: z.number().int().positive(),
      unit: z.enum(['second', 'minute', 'hour', 'day']),
    })
    .optional(),
  custom_field1: z.string().optional(),
  custom_field2: z.string().optional(),
  custom_field3: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** A Core API charge body (documented fields the simulator reads; others are ignored). */
export type ChargeRequest = z.input<typeof chargeRequestSchema>;
export type ParsedChargeRequest = z.output<typeof chargeRequestSchema>;

export const snapRequestSchema = z.looseObject({
  transaction_details: transactionDetailsSchema,
  enabled_payments: z.array(z.string()).optional(),
  custom_field1: z.string().optional(),
  custom_field2: z.string().optional(),
  custom_field3: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type SnapRequest = z.input<typeof snapRequestSchema>;
export type ParsedSnapRequest = z.output<typeof snapRequestSchema>;

/** Midtrans's 400 shape: validation_messages lists each problem. */
export function validationMessages(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'} ${issue.message}`);
}
