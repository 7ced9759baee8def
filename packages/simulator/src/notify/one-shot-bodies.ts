/**
 * Bodies for the one-shot sends: a subscription (recurring) notification and the dashboard's
 * test notification (docs/midtrans.md, "Subscriptions (recurring)" and "Test notification").
 */
import { randomUUID } from 'node:crypto';
import { formatMidtransTime } from '@lunas/midtrans';
import type { CompatOptions } from '../engine/format.js';
import { formatAmount } from '../engine/format.js';
import type { StatusPayload } from '../engine/types.js';
import { buildNotification } from './payload.js';

export interface SubscriptionNotifyOptions {
  /** Where to send it; default the account's notification URL. */
  url?: string;
  /** A failed charge: transaction_status "deny" and no transaction_id. */
  failed?: boolean;
  /** Default "subscription.charge" ("subscription.charge_failed" when failed). */
  event_name?: string;
  /** Merged over the generated subscription object. */
  subscription?: Record<string, unknown>;
  /** Merged over the generated transaction object; a key set to null is removed. */
  transaction?: Record<string, unknown>;
}

/**
 * A body as Midtrans sends to the Recurring Notification URL: keys transaction, subscription
 * and event_name, with no signature_key and no order_id (a failed charge may have no
 * transaction_id either). The nested field names are the simulator's rendering: the public
 * docs name the top-level keys only.
 */
export function subscriptionBody(options: SubscriptionNotifyOptions = {}): Record<string, unknown> {
  const failed = options.failed ?? false;
  const now = new Date();
  const amount = formatAmount(10_000);
  const subscription: Record<string, unknown> = {
    id: randomUUID(),
    name: 'SIM-MONTHLY',
    amount,
    currency: 'IDR',
    payment_type: 'credit_card',
    status: 'active',
    schedule: {
      interval: 1,
      interval_unit: 'month',
      next_execution_at: formatMidtransTime(new Date(now.getTime() + 30 * 24 * 3_600_000)),
    },
    ...options.subscription,
  };
  const transaction: Record<string, unknown> = {
    ...(failed ? {} : { transaction_id: randomUUID() }),
    transaction_time: formatMidtransTime(now),
    transaction_status: failed ? 'deny' : 'capture',
    ...(failed ? {} : { fraud_status: 'accept' }),
    status_message: failed ? 'Recurring charge failed (simulated)' : 'Recurring charge succeeded (simulated)',
    payment_type: 'credit_card',
    gross_amount: amount,
    currency: 'IDR',
  };
  for (const [key, value] of Object.entries(options.transaction ?? {})) {
    if (value === null) {
      delete transaction[key];
    } else {
      transaction[key] = value;
    }
  }
  return {
    event_name: options.event_name ?? (failed ? 'subscription.charge_failed' : 'subscription.charge'),
    subscription,
    transaction,
  };
}

export interface TestNotificationOptions {
  /** Where to send it; default the account's notification URL. */
  url?: string;
  /** Default "sim-test-notification-<ms>". */
  order_id?: string;
  /** Default "settlement". */
  transaction_status?: string;
  /** Default 10000. */
  gross_amount?: number;
  /** Needed for statuses the simulator does not know. */
  status_code?: string;
}

/**
 * A correctly signed notification for a transaction that does not exist: its transaction_id
 * (and order_id) are unknown to Get Status, which answers 404, as for the dashboard's "Test
 * notification" button.
 */
export function testNotificationBody(
  options: TestNotificationOptions,
  serverKey: string,
  compat: CompatOptions,
): StatusPayload {
  const status = options.transaction_status ?? 'settlement';
  const now = formatMidtransTime(new Date());
  return buildNotification(
    {
      order_id: options.order_id ?? `sim-test-notification-${Date.now()}`,
      transaction_status: status,
      gross_amount: options.gross_amount ?? 10_000,
      transaction_id: randomUUID(),
      payment_type: 'bank_transfer',
      fraud_status: 'accept',
      va_numbers: [{ bank: 'bca', va_number: '00000000000' }],
      payment_amounts: [],
      ...(options.status_code === undefined ? {} : { status_code: options.status_code }),
      ...(status === 'settlement' ? { settlement_time: now } : {}),
    },
    serverKey,
    compat,
  );
}
