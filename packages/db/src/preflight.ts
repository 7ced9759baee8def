/**
 * The migration preflight (decision 0013): before the first statement of any migration, look
 * at the target schema and refuse, naming every conflict, when the pending migrations would
 * meet a table they did not create ("orders exists without column status"), or, with
 * SHOP_ORDERS=adapter, when the shop's view or function is missing or has the wrong shape.
 * It only reads the catalogs (information_schema, pg_catalog): a refusal changes nothing.
 */
import type postgres from 'postgres';
import type { Sql, TransactionSql } from './client.js';
import type { Migration } from './migrate.js';
import type { ShopOrdersMode } from './schema.js';

type Db = Sql | TransactionSql | postgres.ReservedSql;

export class PreflightError extends Error {
  override readonly name = 'PreflightError';
  constructor(
    readonly schema: string,
    readonly conflicts: readonly string[],
  ) {
    super(`migration preflight refused schema "${schema}", nothing was changed: ${conflicts.join('; ')}`);
  }
}

const TABLE_HINT = 'set DATABASE_SCHEMA or SHOP_ORDERS=adapter';
const ADAPTER_HINT = 'see docs/adopting.md';

/** The columns of the view shop_orders, and the types each may have. */
const VIEW_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  order_code: ['text', 'character varying'],
  total_amount: ['numeric'],
  currency: ['text', 'character varying', 'character'],
  status: ['text', 'character varying'],
};
/** Optional: used by `npm run adopt -- --since`. */
const VIEW_OPTIONAL: Readonly<Record<string, readonly string[]>> = {
  created_at: ['timestamp with time zone', 'timestamp without time zone'],
};

const COLUMN_LINE =
  /^([a-z_][a-z0-9_]*)\s+(bigserial|serial|bigint|integer|smallint|text|numeric|timestamptz|jsonb|boolean)\b/;
const NOT_COLUMNS = new Set(['unique', 'primary', 'check', 'constraint', 'foreign', 'exclude']);

/** The tables a migration creates (CREATE TABLE IF NOT EXISTS) and the columns it declares. */
export function tablesCreatedBy(sql: string): Map<string, string[]> {
  const tables = new Map<string, string[]>();
  const create = /CREATE TABLE IF NOT EXISTS\s+([a-z_][a-z0-9_]*)\s*\(/gi;
  for (const match of sql.matchAll(create)) {
    const name = (match[1] ?? '').toLowerCase();
    const start = (match.index ?? 0) + match[0].length;
    const end = sql.indexOf('\n);', start);
    const body = sql.slice(start, end < 0 ? undefined : end);
    const columns: string[] = [];
    for (const raw of body.split('\n')) {
      const line = raw.replace(/--.*$/, '').trim().toLowerCase();
      const column = COLUMN_LINE.exec(line)?.[1];
      if (column && !NOT_COLUMNS.has(column)) {
        columns.push(column);
      }
    }
    tables.set(name, columns);
  }
  return tables;
}

export interface PreflightInput {
  readonly schema: string;
  readonly shopOrders: ShopOrdersMode;
  readonly pending: readonly Migration[];
}

/** Every conflict found (empty: the migrations may run). Reads the catalogs only. */
export async function preflightConflicts(db: Db, input: PreflightInput): Promise<string[]> {
  const { schema } = input;
  const relations = await db<{ name: string; kind: string }[]>`
    SELECT c.relname AS name, c.relkind::text AS kind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`;
  const kinds = new Map(relations.map((r) => [r.name, r.kind]));
  const columnRows = await db<{ table: string; column: string; type: string }[]>`
    SELECT table_name AS "table", column_name AS "column", data_type AS type
    FROM information_schema.columns WHERE table_schema = ${schema}`;
  const columnsOf = (table: string): Map<string, string> =>
    new Map(columnRows.filter((c) => c.table === table).map((c) => [c.column, c.type]));

  const conflicts: string[] = [];
  // Tables the pending migrations would create but find already there, made by someone else.
  for (const migration of input.pending) {
    for (const [table, expected] of tablesCreatedBy(migration.sql)) {
      const kind = kinds.get(table);
      if (kind === undefined) {
        continue;
      }
      if (kind !== 'r' && kind !== 'p') {
        conflicts.push(`${table} exists but is not a table; ${TABLE_HINT}`);
        continue;
      }
      const have = columnsOf(table);
      for (const column of expected) {
        if (!have.has(column)) {
          conflicts.push(`${table} exists without column ${column}; ${TABLE_HINT}`);
        }
      }
    }
  }

  const installsDefaults = input.pending.some((m) => /\bCREATE VIEW shop_orders\b/.test(m.sql));
  const viewKind = kinds.get('shop_orders');
  const fn = await db<{ returns: string }[]>`
    SELECT p.prorettype::regtype::text AS returns FROM pg_proc p
    WHERE p.oid = to_regprocedure(${`"${schema}".shop_mark_order(text,text,timestamptz)`})`;
  if (input.shopOrders === 'builtin') {
    if (installsDefaults && viewKind !== undefined) {
      conflicts.push(
        `shop_orders exists but SHOP_ORDERS=builtin would install its own; set SHOP_ORDERS=adapter or drop it`,
      );
    }
    return conflicts;
  }

  // Adapter mode: the shop's view and function, in this schema, with the right shapes.
  if (viewKind === undefined) {
    conflicts.push(`SHOP_ORDERS=adapter but view ${schema}.shop_orders does not exist; ${ADAPTER_HINT}`);
  } else {
    const have = columnsOf('shop_orders');
    for (const [column, types] of Object.entries(VIEW_COLUMNS)) {
      const type = have.get(column);
      if (type === undefined) {
        conflicts.push(`shop_orders has no column ${column}; ${ADAPTER_HINT}`);
      } else if (!types.includes(type)) {
        conflicts.push(`shop_orders.${column} is ${type}, not ${types[0] ?? ''}; ${ADAPTER_HINT}`);
      }
    }
    for (const [column, types] of Object.entries(VIEW_OPTIONAL)) {
      const type = have.get(column);
      if (type !== undefined && !types.includes(type)) {
        conflicts.push(`shop_orders.${column} is ${type}, not timestamptz; ${ADAPTER_HINT}`);
      }
    }
  }
  const [proc] = fn;
  if (!proc) {
    conflicts.push(
      `SHOP_ORDERS=adapter but function ${schema}.shop_mark_order(text, text, timestamptz) does not exist; ${ADAPTER_HINT}`,
    );
  } else if (proc.returns !== 'boolean') {
    conflicts.push(`shop_mark_order returns ${proc.returns}, not boolean; ${ADAPTER_HINT}`);
  }
  return conflicts;
}
