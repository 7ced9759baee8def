/**
 * A shop with its own database, as docs/adopting.md describes it: `public.orders (id, code,
 * grand_total bigint, state, created_at)` that Lunas did not create, and the adapter the shop
 * writes in Lunas's schema (the worked example of docs/adopting.md, verbatim in spirit).
 */
import type { Sql } from '@lunas/db';

export const SHOP_TABLE = `
  CREATE TABLE public.orders (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    grand_total bigint NOT NULL,
    state       text NOT NULL DEFAULT 'pending',
    created_at  timestamptz NOT NULL DEFAULT now()
  );`;

export const SHOP_ADAPTER = `
  CREATE SCHEMA IF NOT EXISTS lunas;

  CREATE VIEW lunas.shop_orders AS
    SELECT o.code AS order_code,
           o.grand_total::numeric AS total_amount,
           'IDR'::text AS currency,
           CASE o.state WHEN 'pending' THEN 'PENDING'
                        WHEN 'paid' THEN 'PAID'
                        WHEN 'payment_reversed' THEN 'PAYMENT_REVERSED'
                        ELSE upper(o.state) END AS status,
           o.created_at
    FROM public.orders o;

  CREATE FUNCTION lunas.shop_mark_order(order_code text, new_status text, paid_at timestamptz)
  RETURNS boolean LANGUAGE plpgsql AS $fn$
  DECLARE
    changed integer;
  BEGIN
    IF new_status = 'PAID' THEN
      UPDATE public.orders o SET state = 'paid'
      WHERE o.code = shop_mark_order.order_code AND o.state IN ('pending', 'payment_reversed');
    ELSIF new_status = 'PAYMENT_REVERSED' THEN
      UPDATE public.orders o SET state = 'payment_reversed'
      WHERE o.code = shop_mark_order.order_code AND o.state = 'paid';
    ELSE
      RAISE EXCEPTION 'shop_mark_order: unexpected status %', new_status;
    END IF;
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed > 0;
  END;
  $fn$;`;

/** Seeds the shop's table and its adapter (pass as startSystem's seedDb). */
export async function seedShop(sql: Sql): Promise<void> {
  await sql.unsafe(`${SHOP_TABLE}\n${SHOP_ADAPTER}`);
}

/** The adapter environment of a system over the seeded shop. */
export const ADAPTER_ENV = { DATABASE_SCHEMA: 'lunas', SHOP_ORDERS: 'adapter' } as const;

export interface ShopOrder {
  readonly id: string;
  readonly code: string;
  readonly grand_total: string;
  readonly state: string;
  readonly created_at: Date;
}

export async function insertShopOrder(sql: Sql, code: string, grandTotal = 150000): Promise<ShopOrder> {
  const [row] = await sql<ShopOrder[]>`
    INSERT INTO public.orders (code, grand_total) VALUES (${code}, ${grandTotal}) RETURNING *`;
  if (!row) {
    throw new Error('insert shop order failed');
  }
  return row;
}

export async function readShopOrder(sql: Sql, code: string): Promise<ShopOrder | null> {
  const [row] = await sql<ShopOrder[]>`SELECT * FROM public.orders WHERE code = ${code}`;
  return row ?? null;
}
