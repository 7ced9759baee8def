/**
 * Builds the JSON bodies Midtrans sends: notifications and Get Status responses share one shape
 * (docs/midtrans.md, "Get Status") and differ in status_message and, for expire/cancel/deny, in
 * status_code. Each body is signed over its own status_code (docs/midtrans.md, "Signature").
 */
import { randomUUID } from 'node:crypto';
import { computeSignature, formatMidtransTime } from '@lunas/midtrans';
import { DEFAULT_COMPAT, formatAmount, statusCodeFor } from '../engine/format.js';
import type { CompatOptions, PayloadKind } from '../engine/format.js';
import type { SimTransaction, StatusPayload, TransactionStatus } from '../engine/types.js';

export const NOTIFICATION_STATUS_MESSAGE = 'midtrans payment notification';
export const DEFAULT_MERCHANT_ID = 'G000LUNAS';

const KNOWN_STATUSES: ReadonlySet<string> = new Set<TransactionStatus>([
  'pending',
  'capture',
  'settlement',
  'deny',
  'cancel',
  'expire',
  'refund',
  'partial_refund',
  'chargeback',
  'partial_chargeback',
]);

/**
 * The fields a caller supplies to build a notification. gross_amount given as a number is
 * formatted "NNN.00"; given as a string it is sent and signed exactly as is, so a test can
 * reproduce a wrongly formatted amount on purpose.
 */
export interface NotificationInput {
  order_id: string;
  transaction_status: string;
  gross_amount: string | number;
  transaction_id?: string;
  /** Defaults from transaction_status per docs/midtrans.md, "Status codes" (required for statuses the simulator does not know). */
  status_code?: string;
  fraud_status?: string;
  payment_type?: string;
  [field: string]: unknown;
}

function statusCodeOf(input: NotificationInput, kind: PayloadKind, compat: CompatOptions): string {
  if (input.status_code !== undefined) {
    return input.status_code;
  }
  if (!KNOWN_STATUSES.has(input.transaction_status)) {
    throw new Error(`status_code is required for transaction_status "${input.transaction_status}"`);
  }
  const fraud = input.fraud_status === 'challenge' ? 'challenge' : undefined;
  return statusCodeFor(input.transaction_status as TransactionStatus, fraud, kind, compat);
}

function build(
  input: NotificationInput,
  serverKey: string,
  kind: PayloadKind,
  statusMessage: string,
  compat: CompatOptions,
): StatusPayload {
  const { order_id, transaction_status, transaction_id, gross_amount, status_code: _code, ...rest } = input;
  const amount = typeof gross_amount === 'number' ? formatAmount(gross_amount) : gross_amount;
  const statusCode = statusCodeOf(input, kind, compat);
  return {
    transaction_time: formatMidtransTime(new Date()),
    transaction_status,
    transaction_id: transaction_id ?? randomUUID(),
    status_message: statusMessage,
    status_code: statusCode,
    signature_key: computeSignature({ order_id, status_code: statusCode, gross_amount: amount }, serverKey),
    order_id,
    merchant_id: DEFAULT_MERCHANT_ID,
    gross_amount: amount,
    currency: 'IDR',
    ...rest,
  };
}

/** A signed notification body, as Midtrans POSTs it to the merchant. */
export function buildNotification(
  input: NotificationInput,
  serverKey: string,
  compat: CompatOptions = DEFAULT_COMPAT,
): StatusPayload {
  return build(input, serverKey, 'notification', NOTIFICATION_STATUS_MESSAGE, compat);
}

/** A signed Get Status (or action) response body. */
export function buildStatusResponse(
  input: NotificationInput,
  serverKey: string,
  statusMessage = 'Success, transaction is found',
  compat: CompatOptions = DEFAULT_COMPAT,
): StatusPayload {
  return build(input, serverKey, 'status', statusMessage, compat);
}

/** The Midtrans view of a simulated transaction, before status_code and signature are added. */
export function transactionFields(
  tx: SimTransaction,
  kind: PayloadKind,
  compat: CompatOptions,
): NotificationInput {
  const fields: NotificationInput = {
    order_id: tx.orderId,
    transaction_status: tx.status,
    gross_amount: formatAmount(tx.grossAmount),
    transaction_id: tx.transactionId,
    status_code: statusCodeFor(tx.status, tx.fraudStatus, kind, compat, tx.paymentType),
    transaction_time: formatMidtransTime(tx.transactionTime),
    payment_type: tx.paymentType,
    currency: tx.currency,
    merchant_id: tx.merchantId,
    ...tx.details,
    ...tx.echo,
  };
  if (tx.fraudStatus !== undefined) {
    fields.fraud_status = tx.fraudStatus;
  }
  if (tx.settlementTime !== undefined) {
    fields.settlement_time = formatMidtransTime(tx.settlementTime);
  }
  if (tx.expiryTime !== undefined && (kind === 'status' || compat.expiryTimeInNotifications)) {
    fields.expiry_time = formatMidtransTime(tx.expiryTime);
  }
  if (tx.refunds.length > 0) {
    // Cumulative, in sen so that 0.1 + 0.2 stays 0.30.
    const sen = tx.refunds.reduce((sum, r) => sum + Math.round(Number(r.refund_amount) * 100), 0);
    fields.refund_amount = formatAmount(sen / 100);
    fields.refunds = tx.refunds.map((r) => ({ ...r }));
  }
  return fields;
}
