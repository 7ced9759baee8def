/**
 * A fresh, migrated database per test file, so files run in parallel without sharing rows.
 * Made from the server's `postgres` database with the machine's trust auth (see README).
 */
import { randomBytes } from 'node:crypto';
import { createSql, ensureDatabase, migrate, type ShopOrdersMode, type Sql } from '@lunas/db';

export const PG_BASE_URL = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  readonly sql: Sql;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** DATABASE_SCHEMA of the Lunas connection `sql` (default public). */
  readonly schema?: string;
  readonly shopOrders?: ShopOrdersMode;
  /** Runs on a public-schema connection before the migrations (a shop's own tables, say). */
  readonly seed?: (sql: Sql) => Promise<void>;
  /** Apply the migrations (default true). */
  readonly migrate?: boolean;
}

export async function createTestDatabase(
  label = 't',
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const name = `lunas_${label}_${randomBytes(5).toString('hex')}`;
  const url = `${PG_BASE_URL}/${name}`;
  await ensureDatabase(url);
  if (options.seed) {
    const shop = createSql({ url, applicationName: 'lunas-test-seed', max: 1 });
    try {
      await options.seed(shop);
    } finally {
      await shop.end({ timeout: 5 });
    }
  }
  const schema = options.schema ?? 'public';
  const sql = createSql({ url, applicationName: 'lunas-test', max: 5, schema });
  if (options.migrate ?? true) {
    await migrate(sql, { schema, shopOrders: options.shopOrders ?? 'builtin' });
  }
  return {
    name,
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const admin = createSql({
        url: `${PG_BASE_URL}/postgres`,
        applicationName: 'lunas-test-admin',
        max: 1,
      });
      try {
        await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}

export interface OrderFixture {
  readonly orderId: string;
  readonly orderCode: string;
}

export async function insertOrder(
  sql: Sql,
  orderCode: string,
  totalAmount = '150000.00',
  currency = 'IDR',
): Promise<OrderFixture> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO orders (order_code, total_amount, currency) VALUES (${orderCode}, ${totalAmount}, ${currency})
    RETURNING id`;
  if (!row) {
    throw new Error('insert order failed');
  }
  return { orderId: row.id, orderCode };
}

export async function insertPayment(
  sql: Sql,
  orderId: string,
  transactionId: string | null = null,
): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO order_payments (order_id, transaction_id) VALUES (${orderId}, ${transactionId}) RETURNING id`;
  if (!row) {
    throw new Error('insert payment failed');
  }
  return row.id;
}

export interface PaymentView {
  readonly paymentStatus: string;
  readonly orderStatus: string;
  readonly transactionId: string | null;
  readonly paidAt: Date | null;
}

export async function readPayment(sql: Sql, orderCode: string): Promise<PaymentView | null> {
  const [row] = await sql<PaymentView[]>`
    SELECT p.payment_status AS "paymentStatus", o.status AS "orderStatus",
           p.transaction_id AS "transactionId", o.paid_at AS "paidAt"
    FROM orders o LEFT JOIN order_payments p ON p.order_id = o.id
    WHERE o.order_code = ${orderCode}
    ORDER BY p.id DESC LIMIT 1`;
  return row ?? null;
}

export async function syncLogs(sql: Sql, orderCode: string) {
  return sql<
    {
      outcome: string;
      syncType: string;
      fromStatus: string | null;
      toStatus: string | null;
      reason: string | null;
      reversal: boolean;
    }[]
  >`
    SELECT outcome, sync_type AS "syncType", from_status AS "fromStatus", to_status AS "toStatus", reason, reversal
    FROM core_payment_sync_logs WHERE order_code = ${orderCode} ORDER BY id`;
}
