/**
 * Refunds and chargebacks (docs/midtrans.md, "Refunds").
 *
 * POST /v2/:id/refund: only a settled (or partly refunded) transaction of a refundable method;
 * a refund_key may be used once (406, checked first: a retried request with the same key is a
 * duplicate whatever the state is now); the amount defaults to what is left and may not exceed
 * it (414). Each refund is appended to refunds[]; the status is partial_refund until the total
 * equals gross_amount, then refund. gross_amount itself never changes.
 *
 * Chargebacks (the customer's bank pulls the money back) are recorded in refunds[] the same
 * way and move the status to partial_chargeback or chargeback, with status_code "200": Midtrans
 * publishes no chargeback sample, so that code is UNCONFIRMED (docs/midtrans.md, "Status codes";
 * CompatOptions.chargebackStatusCode switches it). Amounts are compared in sen to avoid float
 * drift.
 */
import { randomUUID } from 'node:crypto';
import { formatMidtransTime } from '@lunas/midtrans';
import type { Random } from '../faults/prng.js';
import { errors } from './errors.js';
import { formatAmount, parseAmount } from './format.js';
import { REFUNDABLE } from './payment-methods.js';
import type { RefundRecord, SimTransaction, TransactionStatus } from './types.js';

export interface RefundParams {
  amount?: number | string;
  refund_key?: string;
  reason?: string;
}

const sen = (amount: number): number => Math.round(amount * 100);

const REFUNDABLE_FROM: ReadonlySet<TransactionStatus> = new Set(['settlement', 'partial_refund']);
const CHARGEBACK_FROM: ReadonlySet<TransactionStatus> = new Set([
  'settlement',
  'partial_refund',
  'partial_chargeback',
]);

/** What is left to refund or charge back, in sen, and the amount requested (in sen). */
function requestedSen(tx: SimTransaction, amount: number | string | undefined): number {
  const taken = tx.refunds.reduce((sum, r) => sum + sen(Number(r.refund_amount)), 0);
  const remaining = sen(tx.grossAmount) - taken;
  const requested = amount === undefined ? remaining / 100 : parseAmount(amount);
  if (requested === null || sen(requested) <= 0 || sen(requested) > remaining) {
    throw errors.badRefundAmount();
  }
  return sen(requested);
}

function isFull(tx: SimTransaction, adding: number): boolean {
  const taken = tx.refunds.reduce((sum, r) => sum + sen(Number(r.refund_amount)), 0);
  return taken + adding === sen(tx.grossAmount);
}

function record(
  random: Random,
  amountSen: number,
  fields: Pick<RefundRecord, 'reason' | 'refund_key' | 'refund_method'>,
): RefundRecord {
  return {
    refund_chargeback_id: Math.floor(random() * 900_000) + 100_000,
    refund_chargeback_uuid: randomUUID(),
    refund_amount: formatAmount(amountSen / 100),
    created_at: formatMidtransTime(new Date()),
    ...fields,
  };
}

/** Records the refund on `tx` and moves it to refund/partial_refund; returns the new record. */
export function refundTransaction(tx: SimTransaction, params: RefundParams, random: Random): RefundRecord {
  if (params.refund_key !== undefined && tx.refunds.some((r) => r.refund_key === params.refund_key)) {
    throw errors.duplicateRefundKey();
  }
  if (!REFUNDABLE_FROM.has(tx.status) || !REFUNDABLE.has(tx.paymentType)) {
    throw errors.wrongState(tx.status);
  }
  const amount = requestedSen(tx, params.amount);
  const full = isFull(tx, amount);
  const added = record(random, amount, {
    reason: params.reason ?? '',
    refund_key: params.refund_key ?? randomUUID(),
    refund_method: 'online',
  });
  tx.refunds.push(added);
  tx.status = full ? 'refund' : 'partial_refund';
  return added;
}

/**
 * Records a chargeback on `tx` (settlement, partial_refund or partial_chargeback): the whole
 * remainder without an amount, part of it with one.
 */
export function chargebackTransaction(
  tx: SimTransaction,
  amount: number | string | undefined,
  random: Random,
): RefundRecord {
  if (!CHARGEBACK_FROM.has(tx.status)) {
    throw errors.wrongState(tx.status);
  }
  const requested = requestedSen(tx, amount);
  const full = isFull(tx, requested);
  const added = record(random, requested, {
    reason: 'chargeback',
    refund_key: `chargeback-${randomUUID()}`,
    refund_method: 'offline',
  });
  tx.refunds.push(added);
  tx.status = full ? 'chargeback' : 'partial_chargeback';
  return added;
}
