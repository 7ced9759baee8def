/**
 * The batched apply (apply-batch.ts, apply-batcher.ts) against the one-at-a-time apply:
 *   - any sequence of confirmed statuses leaves exactly the same rows, results and events
 *     whether applied one transaction each or in one batch (a property over random sequences);
 *   - each item of a batch has its own outcome;
 *   - a poison item (the shop's function raises for its order) fails only its own job;
 *   - concurrent batches over the same payments apply each transition once, without deadlock.
 */
import { randomUUID } from 'node:crypto';
import { isAppError } from '@lunas/core';
import type { Sql } from '@lunas/db';
import { notificationSchema } from '@lunas/midtrans';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  insertOrder,
  insertPayment,
  type TestDatabase,
} from '../../../../test/harness/db.js';
import { signedNotification } from '../../../../test/harness/notifications.js';
import { createNotificationBatcher } from './apply-batcher.js';
import { applyMidtransStatus, applyMidtransStatuses, type ApplyStatusInput } from './apply-status.js';

let one: TestDatabase;
let many: TestDatabase;
beforeAll(async () => {
  [one, many] = await Promise.all([createTestDatabase('apply_one'), createTestDatabase('apply_many')]);
});
afterAll(async () => {
  await Promise.all([one.drop(), many.drop()]);
});

const PAID_WATCH = { forMs: 3_600_000, firstCheckAfterMs: 60_000 };
/** A fixed clock: a status without settlement_time is paid "now" in both databases alike. */
const clock = () => new Date('2026-11-26T03:00:09.000Z');

function input(fields: Parameters<typeof signedNotification>[0]): ApplyStatusInput {
  const body = signedNotification(fields);
  return {
    syncType: 'webhook',
    status: notificationSchema.parse(body),
    payload: body,
    jobId: randomUUID(),
    paidWatch: PAID_WATCH,
  };
}

/** The statuses one step of a random sequence may bring, for one of an order's two transactions. */
const STEPS: readonly Record<string, unknown>[] = [
  { transaction_status: 'pending' },
  { transaction_status: 'settlement', settlement_time: '2026-11-26 10:00:05' },
  { transaction_status: 'settlement', gross_amount: '1.00' },
  { transaction_status: 'capture', fraud_status: 'challenge', payment_type: 'credit_card' },
  { transaction_status: 'capture', fraud_status: 'accept', payment_type: 'credit_card' },
  { transaction_status: 'deny' },
  { transaction_status: 'deny', payment_type: 'echannel' },
  { transaction_status: 'expire' },
  { transaction_status: 'cancel' },
  { transaction_status: 'partial_refund', refund_amount: '50000.00' },
  { transaction_status: 'partial_refund', refund_amount: '100000.00' },
  { transaction_status: 'refund', refund_amount: '150000.00' },
  { transaction_status: 'chargeback', refund_amount: '150000.00' },
  { transaction_status: 'undocumented_status' },
];

async function snapshot(sql: Sql, codes: readonly string[]) {
  const orders = await sql`
    SELECT order_code, status, paid_at FROM orders WHERE order_code = ANY(${codes as string[]}) ORDER BY id`;
  const payments = await sql`
    SELECT o.order_code, p.payment_status, p.transaction_id, p.refunded_amount::text, p.paid_at, p.mismatch_kind,
           p.mismatch_since IS NULL AS no_mismatch_since, p.watch_until IS NULL AS unwatched, p.source,
           p.payment_method, p.gross_amount::text, p.midtrans_order_id
    FROM order_payments p JOIN orders o ON o.id = p.order_id
    WHERE o.order_code = ANY(${codes as string[]}) ORDER BY p.id`;
  const logs = await sql`
    SELECT order_code, outcome, from_status, to_status, reason_code, reason, reversal, refunded_amount::text,
           midtrans_transaction_id, job_id
    FROM core_payment_sync_logs WHERE order_code = ANY(${codes as string[]}) ORDER BY id`;
  const events = await sql`
    SELECT e.type, e.order_code, e.payload - 'occurred_at' - 'payment_id' AS payload, l.job_id
    FROM payment_events e JOIN core_payment_sync_logs l ON l.id = e.sync_log_id
    WHERE e.order_code = ANY(${codes as string[]}) ORDER BY e.id`;
  const refunds = await sql`
    SELECT o.order_code, r.identity, r.kind, r.amount::text FROM payment_refunds r
    JOIN order_payments p ON p.id = r.payment_id JOIN orders o ON o.id = p.order_id
    WHERE o.order_code = ANY(${codes as string[]}) ORDER BY r.id`;
  return { orders, payments, logs, events, refunds };
}

async function seed(codes: readonly string[]): Promise<void> {
  for (const db of [one, many]) {
    for (const code of codes) {
      const order = await insertOrder(db.sql, code);
      await insertPayment(db.sql, order.orderId);
    }
  }
}

/** Results without their payment ids (the two databases number rows alike, but need not). */
function comparable(results: readonly unknown[]) {
  return results.map((r) =>
    r instanceof Error
      ? { error: isAppError(r) ? r.code : r.message }
      : { ...(r as object), paymentId: null },
  );
}

describe('applyMidtransStatuses (one transaction for many statuses)', () => {
  it('leaves the same rows, results and events as applying each status in its own transaction', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            order: fc.nat({ max: 2 }),
            tx: fc.nat({ max: 1 }),
            step: fc.nat({ max: STEPS.length - 1 }),
          }),
          { minLength: 1, maxLength: 14 },
        ),
        async (picks) => {
          run += 1;
          const codes = [0, 1, 2].map((i) => `PROP-${run}-${i}`);
          await seed(codes);
          const txIds = codes.map(() => [randomUUID(), randomUUID()]);
          const inputs = picks.map((p) =>
            input({
              order_id: codes[p.order]!,
              transaction_id: txIds[p.order]![p.tx]!,
              ...STEPS[p.step],
            } as Parameters<typeof signedNotification>[0]),
          );
          const singles: unknown[] = [];
          for (const i of inputs) {
            singles.push(await applyMidtransStatus(one.sql, i, clock).catch((e: unknown) => e));
          }
          // One at a time through the general path; batched as the worker runs it (builtin table).
          const batched = await applyMidtransStatuses(
            many.sql,
            inputs.map((i) => ({ ...i, shopOrders: 'builtin' as const })),
            clock,
          );
          expect(comparable(batched)).toEqual(comparable(singles));
          expect(await snapshot(many.sql, codes)).toEqual(await snapshot(one.sql, codes));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('gives each status its own outcome: applied, waiting for its row, rejected', async () => {
    const order = await insertOrder(many.sql, 'OWN-1');
    await insertPayment(many.sql, order.orderId);
    const results = await applyMidtransStatuses(many.sql, [
      input({ order_id: 'OWN-1', transaction_status: 'settlement' }),
      input({ order_id: 'OWN-NO-ROW', transaction_status: 'settlement' }),
      input({
        order_id: 'OWN-1',
        transaction_status: 'settlement',
        transaction_id: randomUUID(),
        gross_amount: '9.00',
      }),
    ]);
    expect(results[0]).toMatchObject({ outcome: 'applied', to: 'PAID', orderStatusChanged: true });
    expect(isAppError(results[1]) && results[1].code).toBe('LUNAS_ERR_PAYMENT_NOT_FOUND');
    expect(results[2]).toMatchObject({ outcome: 'rejected', reasonCode: 'amount_mismatch' });
  });
});

describe('the notification batcher', () => {
  it('fails only the poison notification of a batch; the others are applied once each', async () => {
    const codes = Array.from({ length: 8 }, (_, i) => `POISON-${i}`);
    for (const code of codes) {
      const order = await insertOrder(many.sql, code);
      await insertPayment(many.sql, order.orderId);
    }
    // The shop's table refuses one order (a trigger of the shop's): the batch fails as a whole.
    await many.sql.unsafe(`
      CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'the shop refuses %', NEW.order_code; END $$;
      CREATE TRIGGER refuse_poison BEFORE UPDATE ON orders FOR EACH ROW
        WHEN (NEW.order_code = 'POISON-3') EXECUTE FUNCTION refuse_poison();`);
    const sizes: { size: number; fellBack: boolean }[] = [];
    try {
      const batcher = createNotificationBatcher(many.sql, {
        maxBatch: 64,
        waitMs: 20,
        onBatch: (size, fellBack) => sizes.push({ size, fellBack }),
      });
      const outcomes = await Promise.allSettled(
        codes.map((code) => batcher.apply(input({ order_id: code, transaction_status: 'settlement' }))),
      );
      expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : o.status))).toEqual(
        codes.map((c) =>
          c === 'POISON-3' ? (expect.stringContaining('the shop refuses POISON-3') as string) : 'fulfilled',
        ),
      );
      expect(sizes).toContainEqual({ size: codes.length, fellBack: true });
    } finally {
      await many.sql.unsafe(`DROP TRIGGER refuse_poison ON orders; DROP FUNCTION refuse_poison();`);
    }
    const applied = await many.sql<{ order_code: string; n: number }[]>`
      SELECT order_code, count(*)::int AS n FROM core_payment_sync_logs
      WHERE order_code = ANY(${codes}) AND outcome = 'applied' GROUP BY order_code ORDER BY order_code`;
    expect(applied).toEqual(codes.filter((c) => c !== 'POISON-3').map((c) => ({ order_code: c, n: 1 })));
    const [poisoned] = await many.sql`
      SELECT o.status, p.payment_status FROM orders o JOIN order_payments p ON p.order_id = o.id
      WHERE o.order_code = 'POISON-3'`;
    expect(poisoned).toEqual({ status: 'PENDING', payment_status: 'PENDING' });
  });

  it('applies each transition once when concurrent batches carry the same payments in different orders', async () => {
    const codes = Array.from({ length: 12 }, (_, i) => `RACE-${i}`);
    const txIds = new Map<string, string>();
    for (const code of codes) {
      const order = await insertOrder(many.sql, code);
      await insertPayment(many.sql, order.orderId);
      txIds.set(code, randomUUID());
    }
    const statuses = ['settlement', 'partial_refund', 'refund'] as const;
    const batchOf = (shift: number) =>
      codes.flatMap((_, i) => {
        const code = codes[(i + shift) % codes.length]!;
        return statuses.map((transaction_status) =>
          input({
            order_id: code,
            transaction_id: txIds.get(code)!,
            transaction_status,
            ...(transaction_status === 'partial_refund' ? { refund_amount: '50000.00' } : {}),
            ...(transaction_status === 'refund' ? { refund_amount: '150000.00' } : {}),
          }),
        );
      });
    const fellBack: number[] = [];
    const batchers = Array.from({ length: 4 }, () =>
      createNotificationBatcher(many.sql, {
        maxBatch: 16,
        waitMs: 5,
        onBatch: (size, failed) => failed && fellBack.push(size),
      }),
    );
    const outcomes = await Promise.allSettled(
      batchers.flatMap((b, n) => batchOf(n * 5).map((i) => b.apply(i))),
    );
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(fellBack).toEqual([]); // no batch failed (a deadlock would have failed one)
    const applied = await many.sql<{ order_code: string; to_status: string; n: number }[]>`
      SELECT order_code, to_status, count(*)::int AS n FROM core_payment_sync_logs
      WHERE order_code = ANY(${codes}) AND outcome = 'applied'
      GROUP BY order_code, to_status ORDER BY order_code, to_status`;
    // Each payment steps through PAID → PARTIALLY_REFUNDED → REFUNDED at most once each; in
    // whatever order the batches ran, it ends REFUNDED with one applied row for REFUNDED.
    for (const code of codes) {
      const rows = applied.filter((r) => r.order_code === code);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      expect(rows.map((r) => r.to_status)).toContain('REFUNDED');
    }
    const final = await many.sql`
      SELECT DISTINCT p.payment_status FROM order_payments p JOIN orders o ON o.id = p.order_id
      WHERE o.order_code = ANY(${codes})`;
    expect(final).toEqual([{ payment_status: 'REFUNDED' }]);
  });
});
