// The sweep's query stays an index range scan at a million payment rows, and reads only a page.
import { dueQuery } from '@lunas/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../harness/db.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('rcnplan');
  const { sql } = db;
  // Bulk load: the insert trigger (fast-path NOTIFY) is for live inserts, not a fixture.
  await sql`ALTER TABLE order_payments DISABLE TRIGGER lunas_payment_inserted`;
  await sql`INSERT INTO orders (order_code, total_amount) SELECT 'PLAN-' || g, 10000 FROM generate_series(1, 1000) g`;
  // 1,000,000 payments: 10 % open (spread over a month of due times), the rest final.
  await sql`
    INSERT INTO order_payments (order_id, payment_status, created_at, next_check_at)
    SELECT 1 + (g % 1000),
           CASE WHEN g % 10 = 0 THEN 'PENDING' ELSE 'PAID' END,
           now() - (g % 43200) * interval '1 minute',
           now() - (g % 43200) * interval '1 minute' + interval '1 hour'
    FROM generate_series(1, 1000000) g`;
  await sql`ANALYZE orders`;
  await sql`ANALYZE order_payments`;
}, 120_000);
afterAll(async () => {
  await db?.drop();
});

describe('the sweep query at a million rows', () => {
  it('uses the partial due index and reads one page, first page and keyset page alike', async () => {
    const { sql } = db;
    const now = new Date();
    const page = await dueQuery(sql, { now, minAgeMs: 300_000, after: null, limit: 500 });
    expect(page).toHaveLength(500);
    const last = page[page.length - 1];
    const after = last ? { dueAt: last.dueAt, paymentId: last.paymentId } : null;

    for (const cursor of [null, after]) {
      const [row] = await sql<{ 'QUERY PLAN': unknown }[]>`
        EXPLAIN (ANALYZE, FORMAT JSON) ${dueQuery(sql, { now, minAgeMs: 300_000, after: cursor, limit: 500 })}`;
      const text = JSON.stringify(row?.['QUERY PLAN']);
      expect(text).toContain('order_payments_reconcile_due_idx');
      const scans = nodes(row?.['QUERY PLAN']).filter((n) => n['Relation Name'] === 'order_payments');
      expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan');
      const plan = (
        row?.['QUERY PLAN'] as [{ Plan: { 'Actual Rows': number }; 'Execution Time': number }]
      )[0];
      expect(plan.Plan['Actual Rows']).toBe(500);
      // Generous for a shared 2-core machine; a seq scan over 1M rows takes far longer.
      expect(plan['Execution Time']).toBeLessThan(200);
    }

    // Keyset pages never overlap.
    const next = await dueQuery(sql, { now, minAgeMs: 300_000, after, limit: 500 });
    const seen = new Set(page.map((r) => r.paymentId));
    expect(next.some((r) => seen.has(r.paymentId))).toBe(false);
  });
});

type PlanNode = { 'Node Type'?: string; 'Relation Name'?: string; Plans?: PlanNode[]; Plan?: PlanNode };

/** Every node of an EXPLAIN (FORMAT JSON) tree. */
function nodes(plan: unknown): PlanNode[] {
  const out: PlanNode[] = [];
  const walk = (node: PlanNode | undefined): void => {
    if (!node) {
      return;
    }
    out.push(node);
    walk(node.Plan);
    node.Plans?.forEach(walk);
  };
  (plan as PlanNode[]).forEach(walk);
  return out;
}
