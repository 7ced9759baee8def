/**
 * The write-ahead half of POST /payments: in one Postgres transaction, the order (made if
 * missing), a PENDING payment row and the Idempotency-Key record (migration 0008), committed
 * before Midtrans is called. Then, once Midtrans answered, the stored answer and the
 * transaction id Midtrans gave (docs/decisions/0015-write-ahead-checkout.md).
 *
 * Requests with one key are serialized by a transaction-scoped advisory lock on the key, and a
 * key whose Midtrans call is in flight is leased (locked_until): a retry meanwhile gets 409.
 */
import type { Sql } from '@lunas/db';

export interface CheckoutInput {
  readonly key: string;
  readonly requestHash: string;
  readonly orderCode: string;
  /** "150000.00" */
  readonly amount: string;
  readonly currency: string;
  readonly method: string;
  /** How long the caller holds the key for its Midtrans call, ms. */
  readonly leaseMs: number;
}

export type CheckoutStart =
  /** A new payment row (and maybe order) committed: call Midtrans. */
  | { readonly kind: 'new'; readonly paymentId: string; readonly orderCreated: boolean }
  /** The key made a row earlier but Midtrans's answer was never stored: call Midtrans again. */
  | { readonly kind: 'retry'; readonly paymentId: string }
  /** The key's request finished: answer with what was answered then. */
  | {
      readonly kind: 'replay';
      readonly paymentId: string;
      readonly responseCode: number;
      readonly response: Record<string, unknown>;
    }
  | { readonly kind: 'conflict'; readonly message: string };

const OPEN = ['PENDING', 'AUTHORIZED', 'CHALLENGE'];

export async function beginCheckout(sql: Sql, input: CheckoutInput): Promise<CheckoutStart> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`lunas:idem:${input.key}`}, 0))`;
    const [existing] = await tx<
      {
        request_hash: string;
        payment_id: string;
        leased: boolean;
        response_code: number | null;
        response: Record<string, unknown> | null;
      }[]
    >`
      SELECT request_hash, payment_id::text AS payment_id, response_code, response,
             (locked_until IS NOT NULL AND locked_until > now()) AS leased
      FROM payment_idempotency_keys WHERE key = ${input.key}`;
    if (existing) {
      if (existing.request_hash !== input.requestHash) {
        return { kind: 'conflict', message: 'This Idempotency-Key was used with another request body' };
      }
      if (existing.response_code !== null && existing.response !== null) {
        return {
          kind: 'replay',
          paymentId: existing.payment_id,
          responseCode: existing.response_code,
          response: existing.response,
        };
      }
      if (existing.leased) {
        return {
          kind: 'conflict',
          message: 'A request with this Idempotency-Key is in progress; retry in a few seconds',
        };
      }
      await tx`
        UPDATE payment_idempotency_keys
        SET locked_until = now() + ${input.leaseMs} * interval '1 millisecond'
        WHERE key = ${input.key}`;
      return { kind: 'retry', paymentId: existing.payment_id };
    }

    const created = await tx`
      INSERT INTO orders (order_code, total_amount, currency)
      VALUES (${input.orderCode}, ${input.amount}, ${input.currency})
      ON CONFLICT (order_code) DO NOTHING
      RETURNING id`;
    const [order] = await tx<{ id: string; status: string; same_amount: boolean; currency: string }[]>`
      SELECT id::text AS id, status, currency, total_amount = ${input.amount}::numeric AS same_amount
      FROM orders WHERE order_code = ${input.orderCode} FOR UPDATE`;
    if (!order) {
      throw new Error('order insert returned no row');
    }
    if (!order.same_amount || order.currency !== input.currency) {
      return {
        kind: 'conflict',
        message: `Order ${input.orderCode} exists with another amount or currency`,
      };
    }
    if (order.status === 'PAID') {
      return { kind: 'conflict', message: `Order ${input.orderCode} is already paid` };
    }
    const [open] = await tx<{ id: string }[]>`
      SELECT id::text AS id FROM order_payments
      WHERE order_id = ${order.id} AND payment_status IN ${tx(OPEN)} LIMIT 1`;
    if (open) {
      return {
        kind: 'conflict',
        message: `Order ${input.orderCode} has an open payment (${open.id}); retry with its Idempotency-Key`,
      };
    }
    const [payment] = await tx<{ id: string }[]>`
      INSERT INTO order_payments (order_id, payment_status, payment_method, gross_amount)
      VALUES (${order.id}, 'PENDING', ${input.method}, ${input.amount})
      RETURNING id::text AS id`;
    if (!payment) {
      throw new Error('payment insert returned no row');
    }
    await tx`
      INSERT INTO payment_idempotency_keys (key, request_hash, order_code, payment_id, locked_until)
      VALUES (${input.key}, ${input.requestHash}, ${input.orderCode}, ${payment.id},
              now() + ${input.leaseMs} * interval '1 millisecond')`;
    return { kind: 'new', paymentId: payment.id, orderCreated: created.length > 0 };
  });
}

/**
 * Stores Midtrans's answer on the key and the transaction id Midtrans gave on the row, unless
 * the row already has one (the worker bound it from a confirmed notification meanwhile: the
 * same id) or another row holds it (Lunas recorded a row itself: left as it is).
 */
export async function finishCheckout(
  sql: Sql,
  input: {
    readonly key: string;
    readonly paymentId: string;
    readonly responseCode: number;
    readonly response: Record<string, unknown>;
    readonly transactionId: string | null;
  },
): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`
      UPDATE payment_idempotency_keys
      SET response_code = ${input.responseCode}, response = ${tx.json(JSON.parse(JSON.stringify(input.response)) as never)},
          completed_at = now(), locked_until = NULL
      WHERE key = ${input.key}`;
    if (input.transactionId) {
      await tx`
        UPDATE order_payments SET transaction_id = ${input.transactionId}, updated_at = now()
        WHERE id = ${input.paymentId} AND transaction_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM order_payments WHERE transaction_id = ${input.transactionId})`;
    }
  });
}

/** Midtrans did not answer (or refused): the key is free for a retry at once. */
export async function releaseCheckout(sql: Sql, key: string): Promise<void> {
  await sql`UPDATE payment_idempotency_keys SET locked_until = NULL WHERE key = ${key}`;
}
