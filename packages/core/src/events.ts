/**
 * The payment event catalog (issue 13, docs/events.md): what the shop's services learn about
 * each applied transition. Events are written in the transition's own Postgres transaction
 * (the payment_events outbox), so an event exists if and only if its transition committed;
 * they are delivered to EVENTS_WEBHOOK_URL (Standard Webhooks) and served by GET /events.
 *
 * Pure: the types, the payload schema, and which events a transition makes.
 */
import { z } from 'zod';
import { formatMinorUnits, toMinorUnits } from './money.js';
import type { PaymentStatus } from './payment-state.js';

export const EVENT_TYPES = [
  'payment.pending',
  'payment.authorized',
  'payment.challenged',
  'payment.paid',
  'payment.refunded',
  'payment.charged_back',
  'payment.reversed',
  'payment.expired',
  'payment.failed',
  'order.paid',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const amount = z.string().regex(/^\d+(\.\d{1,2})?$/);

/** The `data` of an event: the transition as it committed. */
export const eventPayloadSchema = z.object({
  order_code: z.string(),
  /** order_payments.id, as text. */
  payment_id: z.string(),
  /** Midtrans's transaction_id and order_id (differs from order_code for Payment Links). */
  transaction_id: z.string().nullable(),
  midtrans_order_id: z.string().nullable(),
  /** The payment's status before and after (Lunas's statuses, see docs/architecture.md). */
  from_status: z.string(),
  to_status: z.string(),
  /** What Midtrans said (transaction_status). */
  midtrans_status: z.string(),
  payment_type: z.string().nullable(),
  gross_amount: amount,
  currency: z.string(),
  /** payment.refunded and payment.charged_back: this step's amount and the cumulative total. */
  refund: z.object({ amount, total: amount }).optional(),
  /** payment.reversed: a documented reversal of a paid payment. */
  reversal: z.boolean(),
  /** When Lunas applied it (ISO 8601). */
  occurred_at: z.string(),
});
export type EventPayload = z.infer<typeof eventPayloadSchema>;

/** What the shop receives, by webhook (the body) or by GET /events (each item). */
export const deliveredEventSchema = z.object({
  /** Stable: the webhook-id header, the same on every retry; evt_<payment_events.id>. */
  id: z.string(),
  type: z.enum(EVENT_TYPES),
  /** When the event was written (ISO 8601). */
  timestamp: z.string(),
  data: eventPayloadSchema,
});
export type DeliveredEvent = z.infer<typeof deliveredEventSchema>;

/** The webhook-id of an event row. */
export function eventMessageId(eventId: string): string {
  return `evt_${eventId}`;
}

/** The row id of a webhook-id (evt_<digits>), or null. */
export function eventIdOfMessageId(messageId: string): string | null {
  const match = /^evt_(\d{1,19})$/.exec(messageId);
  return match?.[1] ?? null;
}

export interface AppliedTransition {
  readonly orderCode: string;
  readonly paymentId: string;
  readonly transactionId: string | null;
  readonly midtransOrderId: string | null;
  readonly from: string;
  readonly to: PaymentStatus;
  readonly midtransStatus: string;
  readonly paymentType: string | null;
  readonly grossAmount: string;
  readonly currency: string;
  /** Cumulative refunded amount before and after the transition. */
  readonly refundedBefore: string;
  readonly refundedAfter: string;
  readonly reversal: boolean;
  /** The order became PAID in this transaction. */
  readonly orderBecamePaid: boolean;
  readonly occurredAt: Date;
}

export interface EventDraft {
  readonly type: EventType;
  readonly payload: EventPayload;
}

/** The payment.* type of a transition (exactly one per applied transition). */
export function paymentEventType(to: PaymentStatus, reversal: boolean): EventType {
  if (reversal) {
    return 'payment.reversed';
  }
  switch (to) {
    case 'PENDING':
      return 'payment.pending';
    case 'AUTHORIZED':
      return 'payment.authorized';
    case 'CHALLENGE':
      return 'payment.challenged';
    case 'PAID':
      return 'payment.paid';
    case 'PARTIALLY_REFUNDED':
    case 'REFUNDED':
      return 'payment.refunded';
    case 'PARTIALLY_CHARGED_BACK':
    case 'CHARGEBACK':
      return 'payment.charged_back';
    case 'EXPIRED':
      return 'payment.expired';
    case 'DENIED':
    case 'CANCELLED':
    case 'FAILED':
      return 'payment.failed';
  }
}

/**
 * The events one applied transition makes, in the order they are written: its payment.*
 * event, then order.paid when the order became PAID with it.
 */
export function eventsForTransition(t: AppliedTransition): EventDraft[] {
  const type = paymentEventType(t.to, t.reversal);
  const base: EventPayload = {
    order_code: t.orderCode,
    payment_id: t.paymentId,
    transaction_id: t.transactionId,
    midtrans_order_id: t.midtransOrderId,
    from_status: t.from,
    to_status: t.to,
    midtrans_status: t.midtransStatus,
    payment_type: t.paymentType,
    gross_amount: normalAmount(t.grossAmount),
    currency: t.currency.toUpperCase(),
    reversal: t.reversal,
    occurred_at: t.occurredAt.toISOString(),
  };
  if (type === 'payment.refunded' || type === 'payment.charged_back') {
    const before = toMinorUnits(t.refundedBefore) ?? 0n;
    const after = toMinorUnits(t.refundedAfter) ?? 0n;
    base.refund = {
      amount: formatMinorUnits(after > before ? after - before : 0n),
      total: formatMinorUnits(after),
    };
  }
  const drafts: EventDraft[] = [{ type, payload: base }];
  if (t.orderBecamePaid) {
    drafts.push({ type: 'order.paid', payload: base });
  }
  return drafts;
}

function normalAmount(value: string): string {
  const minor = toMinorUnits(value);
  return minor === null ? value : formatMinorUnits(minor);
}

/** The body of an event as delivered (webhook) and served (GET /events). */
export function deliveredEvent(row: {
  readonly id: string;
  readonly type: string;
  readonly payload: EventPayload;
  readonly createdAt: Date;
}): DeliveredEvent {
  return {
    id: eventMessageId(row.id),
    type: row.type as EventType,
    timestamp: row.createdAt.toISOString(),
    data: row.payload,
  };
}
