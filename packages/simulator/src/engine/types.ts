/**
 * The simulator's own model of a Midtrans transaction. Amounts are kept as numbers and only
 * turned into Midtrans's "NNN.00" strings when a payload is built (see ../notify/payload.ts).
 */
import type { ParsedChargeRequest } from './charge-request.js';

/** Every transaction_status the simulator can produce. */
export type TransactionStatus =
  | 'pending'
  | 'capture'
  | 'settlement'
  | 'deny'
  | 'cancel'
  | 'expire'
  | 'refund'
  | 'partial_refund'
  | 'chargeback'
  | 'partial_chargeback';

export type FraudStatus = 'accept' | 'challenge' | 'deny';

export type PaymentType = 'bank_transfer' | 'echannel' | 'gopay' | 'qris' | 'cstore' | 'credit_card' | 'dana';

export interface RefundRecord {
  refund_chargeback_id: number;
  refund_chargeback_uuid: string;
  refund_amount: string;
  created_at: string;
  reason: string;
  refund_key: string;
  refund_method: 'online' | 'offline';
  bank_confirmed_at?: string;
}

/** What created a transaction, kept so that a retry can charge the same order again. */
export interface TransactionSource {
  readonly request: ParsedChargeRequest;
  readonly routing: NotificationRouting;
}

export interface SimTransaction {
  readonly transactionId: string;
  readonly orderId: string;
  readonly paymentType: PaymentType;
  readonly grossAmount: number;
  readonly currency: string;
  readonly merchantId: string;
  readonly transactionTime: Date;
  readonly expiryTime: Date | undefined;
  status: TransactionStatus;
  /** Absent for methods Midtrans's FDS does not score (convenience stores). */
  fraudStatus: FraudStatus | undefined;
  settlementTime: Date | undefined;
  /** Payment-type fields copied into every payload (va_numbers, masked_card, store, …). */
  readonly details: Record<string, unknown>;
  /** Fields echoed from the request (custom_field1..3, metadata). */
  readonly echo: Record<string, unknown>;
  refunds: RefundRecord[];
  /** Where this transaction's notifications go, after override/append were applied. */
  readonly notificationUrls: readonly string[];
  /** The test card's behaviour, for credit_card only. */
  readonly card: CardBehaviour | undefined;
  readonly source: TransactionSource;
}

/** What a sandbox test card does when charged (docs/midtrans.md, "Sandbox test cards"). */
export type CardBehaviour =
  'accept-3ds' | 'accept' | 'deny-bank' | 'deny-fds' | 'challenge' | 'pending-then-accept';

/**
 * A Get Status / notification body. Every documented field is a string except the arrays;
 * unknown extra fields are allowed, as in Midtrans.
 */
export interface StatusPayload {
  order_id: string;
  transaction_id: string;
  transaction_status: string;
  status_code: string;
  status_message: string;
  gross_amount: string;
  signature_key: string;
  payment_type?: string;
  fraud_status?: string;
  [field: string]: unknown;
}

/** Notification URL overrides sent with a charge or Snap request (docs/midtrans.md, "Notification body"). */
export interface NotificationRouting {
  overrideNotification?: readonly string[];
  appendNotification?: readonly string[];
}
