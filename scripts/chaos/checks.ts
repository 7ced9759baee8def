/**
 * The end-of-run checks of a chaos run: the database against the simulator's truth, the
 * audit log's invariant, and what Lunas answered Midtrans.
 */
import { mapMidtransStatus } from '@lunas/core';
import type { Sql } from '@lunas/db';
import type { Simulator } from '@lunas/simulator';

const PAID_CLASS = new Set(['PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'CHARGEBACK']);

export interface DbRow {
  readonly orderCode: string;
  readonly orderStatus: string;
  readonly paymentStatus: string | null;
}

export async function readDb(sql: Sql): Promise<Map<string, DbRow>> {
  const rows = await sql<DbRow[]>`
    SELECT o.order_code AS "orderCode", o.status AS "orderStatus", p.payment_status AS "paymentStatus"
    FROM orders o
    LEFT JOIN LATERAL (
      SELECT payment_status FROM order_payments WHERE order_id = o.id ORDER BY id DESC LIMIT 1
    ) p ON true`;
  return new Map(rows.map((r) => [r.orderCode, r]));
}

/** Why an order's row differs from Midtrans's truth, or null when it agrees. */
export function disagreement(sim: Simulator, orderCode: string, row: DbRow | undefined): string | null {
  const truth = sim.status(orderCode);
  if (!truth) {
    return 'unknown to the simulator';
  }
  const expected = mapMidtransStatus(truth.transaction_status, truth.fraud_status);
  if (!row || row.paymentStatus === null) {
    return 'no payment row';
  }
  if (row.paymentStatus !== expected) {
    return `payment ${row.paymentStatus}, Midtrans says ${truth.transaction_status}${truth.fraud_status ? `/${truth.fraud_status}` : ''} (${expected})`;
  }
  const paid = PAID_CLASS.has(expected ?? '');
  if (paid && row.orderStatus !== 'PAID') {
    return `order ${row.orderStatus} but the payment is ${expected}`;
  }
  if (!paid && row.orderStatus === 'PAID') {
    return `order PAID but the payment is ${expected}`;
  }
  return null;
}

/**
 * Exactly one 'applied' row per real transition: per payment, the applied rows chain from
 * PENDING to the current status with no gap and no repeat.
 */
export async function brokenAuditChains(sql: Sql): Promise<string[]> {
  const rows = await sql<
    { paymentId: string; current: string; fromStatus: string; toStatus: string; orderCode: string }[]
  >`
    SELECT p.id AS "paymentId", p.payment_status AS current, l.from_status AS "fromStatus",
           l.to_status AS "toStatus", l.order_code AS "orderCode"
    FROM order_payments p
    JOIN core_payment_sync_logs l ON l.payment_id = p.id AND l.outcome = 'applied'
    ORDER BY p.id, l.id`;
  const chains = new Map<string, { current: string; orderCode: string; steps: [string, string][] }>();
  for (const r of rows) {
    const chain = chains.get(r.paymentId) ?? { current: r.current, orderCode: r.orderCode, steps: [] };
    chain.steps.push([r.fromStatus, r.toStatus]);
    chains.set(r.paymentId, chain);
  }
  const broken: string[] = [];
  for (const [, chain] of chains) {
    let at = 'PENDING';
    let ok = true;
    for (const [from, to] of chain.steps) {
      ok &&= from === at;
      at = to;
    }
    if (!ok || at !== chain.current) {
      broken.push(
        `${chain.orderCode}: ${chain.steps.map(([f, t]) => `${f}→${t}`).join(', ')} (now ${chain.current})`,
      );
    }
  }
  // A payment that moved without any applied row.
  const silent = await sql<{ orderCode: string }[]>`
    SELECT o.order_code AS "orderCode" FROM order_payments p JOIN orders o ON o.id = p.order_id
    WHERE p.payment_status <> 'PENDING'
      AND NOT EXISTS (SELECT 1 FROM core_payment_sync_logs l WHERE l.payment_id = p.id AND l.outcome = 'applied')`;
  return [...broken, ...silent.map((s) => `${s.orderCode}: moved with no applied row`)];
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) {
    return 0;
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
