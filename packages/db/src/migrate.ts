/**
 * Versioned SQL migrations, applied in order under a Postgres advisory lock, so that any
 * number of API and worker processes may run them at start at the same moment: one applies,
 * the others wait and then find nothing to do.
 *
 * Files are migrations/NNNN_name.sql. Each runs in its own transaction with its record in
 * lunas_schema_migrations. A released file must never change: its checksum is stored and a
 * mismatch stops the process instead of silently diverging schemas.
 *
 * Everything lives in DATABASE_SCHEMA (decision 0012): each migration's transaction creates the
 * schema if needed and sets its search_path to it, so the released files (unqualified names)
 * create their tables, functions and trigger there, and the bookkeeping table is there too. The
 * advisory lock is per schema. Before the first statement, the preflight (preflight.ts) reads
 * the catalogs and refuses, naming each conflict, when the schema holds tables Lunas did not
 * create; a refusal or a failed file changes nothing (its transaction holds its bookkeeping row).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from './client.js';
import { PreflightError, preflightConflicts } from './preflight.js';
import { quoteSchema, type ShopOrdersMode } from './schema.js';

/** Arbitrary constant: the advisory lock key of Lunas's migrator ("lunas" in ASCII). */
const MIGRATION_LOCK_KEY = String(0x6c756e6173);

/**
 * The advisory lock key of the migrator of one schema: public keeps the released constant (so
 * old and new processes of a rolling deploy exclude each other), others hash their name.
 */
export function migrationLockKey(schema: string): string {
  if (schema === 'public') {
    return MIGRATION_LOCK_KEY;
  }
  const digest = createHash('sha256').update(`lunas-migrate:${schema}`).digest();
  return BigInt.asIntN(64, digest.readBigUInt64BE(0)).toString();
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const sql = await readFile(join(dir, file), 'utf8');
    migrations.push({
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ''),
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  const versions = new Set(migrations.map((m) => m.version));
  if (versions.size !== migrations.length) {
    throw new Error('Two migrations share a version number');
  }
  return migrations;
}

export interface MigrateResult {
  readonly applied: string[];
}

export interface MigrateOptions {
  readonly dir?: string;
  /** DATABASE_SCHEMA (default public). */
  readonly schema?: string;
  /** SHOP_ORDERS (default builtin): what the preflight expects of shop_orders. */
  readonly shopOrders?: ShopOrdersMode;
}

export async function migrate(sql: Sql, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = await loadMigrations(options.dir);
  const schema = options.schema ?? 'public';
  const quoted = quoteSchema(schema);
  const lockKey = migrationLockKey(schema);
  const conn = await sql.reserve();
  try {
    await conn`SELECT pg_advisory_lock(${lockKey}::bigint)`;
    try {
      // Read only until the preflight has passed.
      const [table] = await conn<{ exists: boolean }[]>`
        SELECT to_regclass(${`${quoted}.lunas_schema_migrations`}) IS NOT NULL AS exists`;
      const rows = table?.exists
        ? await conn<{ version: number; name: string; checksum: string }[]>`
            SELECT version, name, checksum FROM ${conn(schema)}.lunas_schema_migrations ORDER BY version`
        : [];
      const done = new Map(rows.map((r) => [r.version, r]));
      const pending: Migration[] = [];
      for (const migration of migrations) {
        const previous = done.get(migration.version);
        if (!previous) {
          pending.push(migration);
        } else if (previous.checksum !== migration.checksum) {
          throw new Error(
            `Migration ${migration.name} changed after it was applied (checksum mismatch). Released migrations must never be edited; add a new one.`,
          );
        }
      }
      const conflicts = await preflightConflicts(conn, {
        schema,
        shopOrders: options.shopOrders ?? 'builtin',
        pending,
      });
      if (conflicts.length > 0) {
        throw new PreflightError(schema, conflicts);
      }
      const applied: string[] = [];
      for (const migration of pending) {
        // One transaction per file, with the schema, the bookkeeping table and its row: a
        // failure anywhere in it leaves nothing behind.
        await conn.unsafe('BEGIN');
        try {
          await conn.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoted}; SET LOCAL search_path TO ${quoted}`);
          await conn`
            CREATE TABLE IF NOT EXISTS lunas_schema_migrations (
              version    integer PRIMARY KEY,
              name       text NOT NULL,
              checksum   text NOT NULL,
              applied_at timestamptz NOT NULL DEFAULT now()
            )`;
          await conn.unsafe(migration.sql);
          await conn`INSERT INTO lunas_schema_migrations (version, name, checksum)
                     VALUES (${migration.version}, ${migration.name}, ${migration.checksum})`;
          await conn.unsafe('COMMIT');
        } catch (error) {
          await conn.unsafe('ROLLBACK');
          throw error;
        }
        applied.push(migration.name);
      }
      return { applied };
    } finally {
      await conn`SELECT pg_advisory_unlock(${lockKey}::bigint)`;
    }
  } finally {
    conn.release();
  }
}
