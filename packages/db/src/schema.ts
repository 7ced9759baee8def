/**
 * DATABASE_SCHEMA and SHOP_ORDERS (docs/adopting.md, decision 0012). Lunas's tables, its
 * migrations table, its functions and trigger live in one Postgres schema: every connection
 * sets it as its search_path, so the released migrations (unqualified names) create everything
 * there and every query finds it there. Lunas never creates or alters a table outside it.
 */

/** A schema name Lunas accepts: a plain lower-case identifier. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * builtin: the shop's orders are Lunas's own `orders` table (a new shop). adapter: Lunas reads
 * the shop's orders through the view `shop_orders` and changes them through the function
 * `shop_mark_order`, both written by the shop; Lunas records every payment row itself.
 */
export const SHOP_ORDERS_MODES = ['builtin', 'adapter'] as const;
export type ShopOrdersMode = (typeof SHOP_ORDERS_MODES)[number];

/** The schema as a quoted identifier, for search_path and DDL; refuses anything else. */
export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error('DATABASE_SCHEMA must be a lower-case identifier (letters, digits and _, at most 63)');
  }
  return `"${schema}"`;
}
