/**
 * Snap names payment methods differently from the Core API (enabled_payments: "bca_va",
 * "gopay", …). Choosing one on the simulated Snap page turns it into a Core charge.
 */
import { z } from 'zod';

export const snapChoiceSchema = z.looseObject({
  payment_type: z.string().min(1),
  bank_transfer: z.looseObject({ bank: z.string() }).optional(),
  cstore: z.looseObject({ store: z.string() }).optional(),
  credit_card: z.looseObject({ token_id: z.string().optional() }).optional(),
});

/** A method chosen on the Snap page, in Core API terms (or a Snap name such as "bni_va"). */
export type SnapChoice = z.input<typeof snapChoiceSchema>;

const SNAP_NAMES: Record<string, Record<string, unknown>> = {
  bca_va: { payment_type: 'bank_transfer', bank_transfer: { bank: 'bca' } },
  bni_va: { payment_type: 'bank_transfer', bank_transfer: { bank: 'bni' } },
  bri_va: { payment_type: 'bank_transfer', bank_transfer: { bank: 'bri' } },
  permata_va: { payment_type: 'bank_transfer', bank_transfer: { bank: 'permata' } },
  echannel: { payment_type: 'echannel' },
  gopay: { payment_type: 'gopay' },
  dana: { payment_type: 'dana' },
  other_qris: { payment_type: 'qris' },
  qris: { payment_type: 'qris' },
  indomaret: { payment_type: 'cstore', cstore: { store: 'indomaret' } },
  alfamart: { payment_type: 'cstore', cstore: { store: 'alfamart' } },
  credit_card: { payment_type: 'credit_card', credit_card: { token_id: '4811111111111114' } },
};

const FALLBACK = { payment_type: 'bank_transfer', bank_transfer: { bank: 'bca' } };

/** Core charge fields for a choice; a bare Snap name is expanded. */
export function choiceToCharge(choice: SnapChoice): Record<string, unknown> {
  const named = SNAP_NAMES[choice.payment_type];
  return named && Object.keys(choice).length === 1 ? named : choice;
}

/** The method "pay" picks when the customer has not chosen: the first enabled one we know. */
export function defaultChoice(enabledPayments: readonly string[] | undefined): Record<string, unknown> {
  for (const name of enabledPayments ?? []) {
    const named = SNAP_NAMES[name];
    if (named) {
      return named;
    }
  }
  return FALLBACK;
}
