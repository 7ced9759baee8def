/**
 * POST /v2/:id/refund rules (reference §6.2): only a settled (or partly refunded) transaction
 * of a refundable method; the amount defaults to what is left and may not exceed it (414);
 * a refund_key may be used once (406). Amounts are compared in sen to avoid float drift.
 */
import { randomUUID } from 'node:crypto';
import { formatMidtransTime } from '@lunas/midtrans';
import type { Random } from '../faults/prng.js';
import { errors } from './errors.js';
import { formatAmount, parseAmount } from './format.js';
import { REFUNDABLE } from './payment-methods.js';
import type { RefundRecord, SimTransaction } from './types.js';

export interface RefundParams {
  amount?: number | string;
  refund_key?: string;
  reason?: string;
}

const sen = (amount: number): number => Math.round(amount * 100);

/** Records the refund on `tx` and moves it to refund/partial_refund; returns the new record. */
export function refundTransaction(tx: SimTransaction, params: RefundParams, random: Random): RefundRecord {
  if ((tx.status !== 'settlement' && tx.status !== 'partial_refund') || !REFUNDABLE.has(tx.paymentType)) {
    throw errors.wrongState(tx.status);
  }
  const refunded = tx.refunds.reduce((sum, r) => sum + sen(Number(r.refund_amount)), 0);
  const remaining = sen(tx.grossAmount) - refunded;
  const requested = params.amount === undefined ? remaining / 100 : parseAmount(params.amount);
  if (requested === null || sen(requested) <= 0 || sen(requested) > remaining) {
    throw errors.badRefundAmount();
  }
  if (params.refund_key !== undefined && tx.refunds.some((r) => r.refund_key === params.refund_key)) {
    throw errors.duplicateRefundKey();
  }
  const record: RefundRecord = {
    refund_chargeback_id: Math.floor(random() * 900_000) + 100_000,
    refund_chargeback_uuid: randomUUID(),
    refund_amount: formatAmount(requested),
    created_at: formatMidtransTime(new Date()),
    reason: params.reason ?? '',
    refund_key: params.refund_key ?? randomUUID(),
    refund_method: 'online',
  };
  tx.refunds.push(record);
  tx.status = refunded + sen(requested) === sen(tx.grossAmount) ? 'refund' : 'partial_refund';
  return record;
}
