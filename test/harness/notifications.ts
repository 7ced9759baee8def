/** Signed Midtrans notification bodies for tests that drive the webhook directly. */
import { randomUUID } from 'node:crypto';
import { computeSignature } from '@lunas/midtrans';

export const TEST_SERVER_KEY = 'SB-Mid-server-lunas-test-key-0001';

const STATUS_CODES: Record<string, string> = {
  pending: '201',
  settlement: '200',
  capture: '200',
  authorize: '200',
  refund: '200',
  partial_refund: '200',
  deny: '202',
  cancel: '202',
  expire: '202',
};

export function signedNotification(
  fields: {
    order_id: string;
    transaction_status: string;
    gross_amount?: string;
    transaction_id?: string;
  } & Record<string, unknown>,
  serverKey = TEST_SERVER_KEY,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    transaction_time: '2026-11-26 10:00:00',
    transaction_id: randomUUID(),
    status_message: 'midtrans payment notification',
    status_code: STATUS_CODES[fields.transaction_status] ?? '200',
    payment_type: 'bank_transfer',
    gross_amount: '150000.00',
    fraud_status: 'accept',
    currency: 'IDR',
    ...fields,
  };
  body.signature_key = computeSignature(
    {
      order_id: String(body.order_id),
      status_code: String(body.status_code),
      gross_amount: String(body.gross_amount),
    },
    serverKey,
  );
  return body;
}
