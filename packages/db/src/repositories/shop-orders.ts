/**
 * The shop's orders as the view shop_orders shows them (migration 0005; docs/adopting.md), for
 * the cut-over's `npm run adopt`.
 */
import type { Sql, TransactionSql } from '../client.js';

type Db = Sql | TransactionSql;

export interface ShopOrderRow {
  readonly orderCode: string;
  readonly status: string | null;
  readonly totalAmount: string | null;
  readonly createdAt: Date;
}

/**
 * Orders the view shows as created since `since`, oldest first. The view's optional column
 * created_at is required here: without it the error says so.
 */
export async function listShopOrdersSince(db: Db, since: Date, limit = 100_000): Promise<ShopOrderRow[]> {
  const [column] = await db<{ present: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = 'shop_orders'
                     AND column_name = 'created_at') AS present`;
  if (!column?.present) {
    throw new Error(
      'shop_orders has no created_at column: add it to the view to adopt by age (docs/adopting.md)',
    );
  }
  return db<ShopOrderRow[]>`
    SELECT order_code AS "orderCode", status, total_amount::text AS "totalAmount", created_at AS "createdAt"
    FROM shop_orders WHERE created_at >= ${since}
    ORDER BY created_at, order_code
    LIMIT ${limit}`;
}
