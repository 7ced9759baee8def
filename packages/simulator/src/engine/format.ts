/** Midtrans's string formats for amounts and status codes. */
import type { FraudStatus, PaymentType, TransactionStatus } from './types.js';

/** "10000" → "10000.00": every official sample carries two decimals, and they are signed. */
export function formatAmount(amount: number): string {
  return amount.toFixed(2);
}

/** Where a status code is reported: a notification body or a Get Status / action response. */
export type PayloadKind = 'notification' | 'status';

/**
 * Knobs for behaviour docs/midtrans.md marks UNCONFIRMED. The defaults are the
 * documented-safe choices; each one can be switched to rehearse the other reading.
 */
export interface CompatOptions {
  /**
   * status_code of a denied transaction in Get Status. UNCONFIRMED (docs/midtrans.md,
   * "Unconfirmed"); 202 is what deny notifications carry, so it is the default.
   */
  denyStatusCodeInGetStatus: string;
  /**
   * status_code of a card capture held for review (fraud_status "challenge"). An older
   * Midtrans table lists 201 for challenge, and 200 is the capture code. Default 201 so that a
   * receiver which trusts status_code "200" alone does not ship a challenged order.
   */
  challengeStatusCode: string;
  /**
   * HTTP status for an unknown id on Get Status (docs/midtrans.md, "Get Status", UNCONFIRMED: 404
   * vs 200 with a "404" body). Both make the official client reject; 404 is the recommended
   * default.
   */
  notFoundHttpStatus: 404 | 200;
  /** Whether notification bodies carry expiry_time (UNCONFIRMED, docs/midtrans.md, "Unconfirmed"; default off). */
  expiryTimeInNotifications: boolean;
  /** Notification User-Agent; "Veritrans" comes from a doc curl sample only (docs/midtrans.md, "Unconfirmed"). */
  userAgent: string;
  /** Statuses after which an order_id may be charged again (docs/midtrans.md, "Status values": expire, cancel). */
  reusableAfter: readonly TransactionStatus[];
  /**
   * status_code of chargeback and partial_chargeback (notifications and Get Status).
   * UNCONFIRMED: Midtrans publishes no sample; "200" is the success class refunds use.
   */
  chargebackStatusCode: string;
  /**
   * status_code Get Status gives a pending DANA payment. Midtrans answers "200" with
   * transaction_status "pending" (docs/midtrans.md, "DANA"); its notifications still say 201.
   */
  danaPendingStatusCodeInGetStatus: string;
  /**
   * Whether Get Status accepts an order_id for a DANA transaction. Midtrans documents that only
   * the transaction_id works for DANA, so the default is false: by order_id it answers 404.
   */
  danaGetStatusByOrderId: boolean;
}

export const DEFAULT_COMPAT: CompatOptions = Object.freeze({
  denyStatusCodeInGetStatus: '202',
  challengeStatusCode: '201',
  notFoundHttpStatus: 404,
  expiryTimeInNotifications: false,
  userAgent: 'Veritrans',
  reusableAfter: Object.freeze(['expire', 'cancel'] as TransactionStatus[]),
  chargebackStatusCode: '200',
  danaPendingStatusCodeInGetStatus: '200',
  danaGetStatusByOrderId: false,
});

/** status_code per state (docs/midtrans.md, "Status codes"). */
export function statusCodeFor(
  status: TransactionStatus,
  fraud: FraudStatus | undefined,
  kind: PayloadKind,
  compat: CompatOptions = DEFAULT_COMPAT,
  paymentType?: PaymentType,
): string {
  switch (status) {
    case 'pending':
      return paymentType === 'dana' && kind === 'status' ? compat.danaPendingStatusCodeInGetStatus : '201';
    case 'capture':
      return fraud === 'challenge' ? compat.challengeStatusCode : '200';
    case 'settlement':
    case 'refund':
    case 'partial_refund':
      return '200';
    case 'deny':
      return kind === 'notification' ? '202' : compat.denyStatusCodeInGetStatus;
    case 'cancel':
      return kind === 'notification' ? '202' : '200';
    case 'expire':
      return kind === 'notification' ? '202' : '407';
    case 'chargeback':
    case 'partial_chargeback':
      return compat.chargebackStatusCode;
  }
}

/** Accepts 10000, "10000" or "10000.00"; returns null for anything else. */
export function parseAmount(value: unknown): number | null {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^\d{1,15}(\.\d{1,2})?$/.test(text)) {
    return null;
  }
  const amount = Number(text);
  return Number.isFinite(amount) ? amount : null;
}
