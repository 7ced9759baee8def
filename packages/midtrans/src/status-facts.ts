/**
 * What Lunas reads out of a (confirmed) Midtrans status body beyond its status: the refunds it
 * lists, the evidence that tells a documented reversal apart, the Payment Link order id rule,
 * the notification's identity for deduplication, and a copy of a body without its signature.
 * Pure.
 */
import type { NotificationIdentity, ReversalEvidence } from '@lunas/core';
import type { MidtransNotification, RefundEntry } from './notification.js';

export interface RefundFact {
  /** Stable per payment: Midtrans's refund_chargeback_id, else the refund_key, else its position. */
  readonly identity: string;
  readonly refundChargebackId: string | null;
  readonly refundKey: string | null;
  readonly amount: string;
  readonly reason: string | null;
  readonly createdAt: string | null;
  readonly bankConfirmedAt: string | null;
}

export function refundFacts(status: MidtransNotification): RefundFact[] {
  return (status.refunds ?? []).map((entry: RefundEntry, index) => ({
    identity: entry.refund_chargeback_id
      ? `id:${entry.refund_chargeback_id}`
      : entry.refund_key
        ? `key:${entry.refund_key}`
        : `n:${index}`,
    refundChargebackId: entry.refund_chargeback_id ?? null,
    refundKey: entry.refund_key ?? null,
    amount: entry.refund_amount,
    reason: entry.reason ?? null,
    createdAt: entry.created_at ?? null,
    bankConfirmedAt: entry.bank_confirmed_at ?? null,
  }));
}

export function reversalEvidence(status: MidtransNotification): ReversalEvidence {
  const vaBanks = Array.isArray(status.va_numbers)
    ? (status.va_numbers as { bank?: unknown }[]).map((v) =>
        typeof v?.bank === 'string' ? v.bank.toLowerCase() : '',
      )
    : [];
  return {
    paymentType: status.payment_type ?? null,
    permataVa: Boolean(status.permata_va_number) || vaBanks.includes('permata'),
    store: status.store ?? null,
  };
}

/**
 * Payment Link notifications carry the link's order id with "-" and a 13-digit millisecond
 * timestamp appended. Lunas looks for the exact order first, then for this stripped one.
 */
const PAYMENT_LINK_SUFFIX = /-\d{13}$/;

export function paymentLinkBaseOrderId(orderId: string): string | null {
  return PAYMENT_LINK_SUFFIX.test(orderId) ? orderId.replace(PAYMENT_LINK_SUFFIX, '') : null;
}

/** The identity a notification is deduplicated by (see @lunas/core notificationJobId). */
export function notificationIdentity(n: MidtransNotification): NotificationIdentity {
  const refunds = refundFacts(n)
    .map((r) => `${r.identity}=${r.amount}${r.bankConfirmedAt ? '+bank' : ''}`)
    .join(',');
  return {
    orderId: n.order_id,
    transactionId: n.transaction_id,
    transactionStatus: n.transaction_status,
    fraudStatus: n.fraud_status,
    statusCode: n.status_code,
    grossAmount: n.gross_amount,
    refundAmount: n.refund_amount,
    refunds,
  };
}

/** A copy of a notification or status body without its signature, for logs, tables and Bull Board. */
export function withoutSignature(body: Record<string, unknown>): Record<string, unknown> {
  if (!('signature_key' in body)) {
    return body;
  }
  const { signature_key: _removed, ...rest } = body;
  return rest;
}
