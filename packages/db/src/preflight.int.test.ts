/**
 * The preflight and the transactional migrations against a database seeded the way a real shop
 * has it: its own `orders (id, code, grand_total bigint, state)` in public, which Lunas did not
 * create. A refusal, or a migration that fails halfway, changes nothing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/harness/db.js';
import { createSql, type Sql } from './client.js';
import { migrate } from './migrate.js';
import { PreflightError } from './preflight.js';

const SHOP_SCHEMA = `
  CREATE TABLE orders (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    grand_total bigint NOT NULL,
    state       text NOT NULL DEFAULT 'pending'
  );
  INSERT INTO orders (code, grand_total) VALUES ('SHOP-1', 150000), ('SHOP-2', 99000);`;

/** Everything a migration could have changed: relations, columns, functions, schemas, rows. */
async function snapshot(sql: Sql): Promise<unknown> {
  const objects = await sql`
    SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
           (SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod), ',' ORDER BY a.attnum)
              FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
    ORDER BY 1, 2`;
  const functions = await sql`
    SELECT n.nspname AS schema, p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`;
  const schemas = await sql`SELECT nspname FROM pg_namespace ORDER BY 1`;
  const rows = await sql`SELECT * FROM public.orders ORDER BY id`;
  return { objects, functions, schemas, rows };
}

const ADAPTER_VIEW = `
  CREATE VIEW lunas.shop_orders AS
    SELECT code AS order_code, grand_total::numeric AS total_amount, 'IDR'::text AS currency,
           CASE state WHEN 'paid' THEN 'PAID' WHEN 'reversed' THEN 'PAYMENT_REVERSED' ELSE upper(state) END AS status
    FROM public.orders`;
const ADAPTER_FUNCTION = `
  CREATE FUNCTION lunas.shop_mark_order(order_code text, new_status text, paid_at timestamptz)
  RETURNS boolean LANGUAGE sql AS $$
    WITH changed AS (
      UPDATE public.orders o SET state = CASE $2 WHEN 'PAID' THEN 'paid' ELSE 'reversed' END
      WHERE o.code = $1 AND ($2 = 'PAID' AND o.state IN ('pending', 'reversed') OR $2 = 'PAYMENT_REVERSED' AND o.state = 'paid')
      RETURNING 1)
    SELECT count(*) > 0 FROM changed
  $$`;

let db: TestDatabase;
let dirs: string[] = [];
const clients: Sql[] = [];
function connect(schema: string): Sql {
  const sql = createSql({ url: db.url, applicationName: 'lunas-preflight-test', max: 1, schema });
  clients.push(sql);
  return sql;
}

beforeAll(async () => {
  db = await createTestDatabase('pre', {
    migrate: false,
    seed: (sql) => sql.unsafe(SHOP_SCHEMA).then(() => undefined),
  });
});
afterAll(async () => {
  await Promise.all(clients.map((sql) => sql.end({ timeout: 5 })));
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  dirs = [];
  await db.drop();
});

describe('preflight', () => {
  it('refuses the shop-style public schema, names each conflict, and changes nothing', async () => {
    const before = await snapshot(db.sql);
    const error = await migrate(db.sql).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightError);
    const { conflicts, message } = error as PreflightError;
    expect(conflicts).toContain(
      'orders exists without column status; set DATABASE_SCHEMA or SHOP_ORDERS=adapter',
    );
    expect(conflicts).toContain(
      'orders exists without column order_code; set DATABASE_SCHEMA or SHOP_ORDERS=adapter',
    );
    expect(conflicts).toContain(
      'orders exists without column total_amount; set DATABASE_SCHEMA or SHOP_ORDERS=adapter',
    );
    expect(message).toMatch(/nothing was changed/);
    expect(await snapshot(db.sql)).toEqual(before);
  });

  it('a migration that fails halfway leaves no trace, not even its schema', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lunas-pre-'));
    dirs.push(dir);
    await writeFile(
      join(dir, '0001_half.sql'),
      `CREATE TABLE lunas_probe (id int);
       ALTER TABLE public.orders ADD COLUMN lunas_touched int;
       UPDATE public.orders SET state = 'touched';
       SELECT status FROM public.orders;`,
    );
    const before = await snapshot(db.sql);
    const sql = connect('lunas_half');
    await expect(migrate(sql, { dir, schema: 'lunas_half' })).rejects.toThrow(
      /column "status" does not exist/,
    );
    expect(await snapshot(db.sql)).toEqual(before);
  });

  it('adapter mode refuses without the shop view and function, then accepts them and keeps them', async () => {
    const sql = connect('lunas');
    const before = await snapshot(db.sql);
    const missing = (await migrate(sql, { schema: 'lunas', shopOrders: 'adapter' }).catch(
      (e: unknown) => e,
    )) as PreflightError;
    expect(missing).toBeInstanceOf(PreflightError);
    expect(missing.conflicts.join('\n')).toMatch(/view lunas.shop_orders does not exist/);
    expect(missing.conflicts.join('\n')).toMatch(
      /function lunas.shop_mark_order\(text, text, timestamptz\) does not exist/,
    );
    expect(await snapshot(db.sql)).toEqual(before);

    // The shop's view and a function of the wrong type.
    await db.sql.unsafe(`CREATE SCHEMA lunas; ${ADAPTER_VIEW};
      CREATE FUNCTION lunas.shop_mark_order(text, text, timestamptz) RETURNS integer LANGUAGE sql AS 'SELECT 1'`);
    const wrong = (await migrate(sql, { schema: 'lunas', shopOrders: 'adapter' }).catch(
      (e: unknown) => e,
    )) as PreflightError;
    expect(wrong.conflicts).toEqual(['shop_mark_order returns integer, not boolean; see docs/adopting.md']);

    await db.sql.unsafe(`DROP FUNCTION lunas.shop_mark_order(text, text, timestamptz); ${ADAPTER_FUNCTION}`);
    const { applied } = await migrate(sql, { schema: 'lunas', shopOrders: 'adapter' });
    expect(applied).toContain('0005_shop_orders');
    // Everything Lunas made is in its schema; public holds the shop's table alone, untouched.
    const publicRelations = await db.sql<{ relname: string }[]>`
      SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') ORDER BY 1`;
    expect(publicRelations.map((r) => r.relname)).toEqual(['orders']);
    const lunasTables = await db.sql<{ table_name: string }[]>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'lunas' ORDER BY 1`;
    expect(lunasTables.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['lunas_schema_migrations', 'orders', 'order_payments', 'shop_orders']),
    );
    // 0005 kept the shop's view (over public.orders), not the default over Lunas's mirror.
    const [view] =
      await db.sql`SELECT order_code, total_amount::text AS total FROM lunas.shop_orders WHERE order_code = 'SHOP-1'`;
    expect(view).toEqual({ order_code: 'SHOP-1', total: '150000' });
    const [fn] = await db.sql`SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
      WHERE p.oid = 'lunas.shop_mark_order(text,text,timestamptz)'::regprocedure`;
    expect(fn?.lanname).toBe('sql');
    // The trigger's function is pinned to the schema, whoever inserts.
    const [trigger] =
      await db.sql`SELECT proconfig FROM pg_proc WHERE oid = 'lunas.lunas_notify_payment_inserted()'::regprocedure`;
    expect(String(trigger?.proconfig)).toMatch(/search_path=.*lunas/);
    // The steady state passes again and applies nothing.
    expect((await migrate(sql, { schema: 'lunas', shopOrders: 'adapter' })).applied).toEqual([]);
  });

  it('builtin mode in a schema of its own beside the shop installs the defaults', async () => {
    const sql = connect('lunas_builtin');
    const { applied } = await migrate(sql, { schema: 'lunas_builtin' });
    expect(applied).toContain('0005_shop_orders');
    await sql`INSERT INTO orders (order_code, total_amount) VALUES ('B-1', 1000)`;
    const [row] =
      await sql`SELECT status, total_amount::text AS total FROM shop_orders WHERE order_code = 'B-1'`;
    expect(row).toEqual({ status: 'PENDING', total: '1000.00' });
    const [marked] = await sql`SELECT shop_mark_order('B-1', 'PAID', now()) AS changed`;
    expect(marked?.changed).toBe(true);
    const [again] = await sql`SELECT shop_mark_order('B-1', 'PAID', now()) AS changed`;
    expect(again?.changed).toBe(false);
    // The shop's public.orders is as it was.
    const shop = await db.sql<
      { code: string; state: string }[]
    >`SELECT code, state FROM public.orders ORDER BY id`;
    expect(shop.map((r) => r.state)).toEqual(['pending', 'pending']);
  });
});
