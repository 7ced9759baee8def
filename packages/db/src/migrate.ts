/**
 * Versioned SQL migrations, applied in order under a Postgres advisory lock, so that any
 * number of API and worker processes may run them at start at the same moment: one applies,
 * the others wait and then find nothing to do.
 *
 * Files are migrations/NNNN_name.sql. Each runs in its own transaction with its record in
 * lunas_schema_migrations. A released file must never change: its checksum is stored and a
 * mismatch stops the process instead of silently diverging schemas.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from './client.js';

/** Arbitrary constant: the advisory lock key of Lunas's migrator ("lunas" in ASCII). */
const MIGRATION_LOCK_KEY = String(0x6c756e6173);

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

export async function migrate(sql: Sql, options: { dir?: string } = {}): Promise<MigrateResult> {
  const migrations = await loadMigrations(options.dir);
  const conn = await sql.reserve();
  try {
    await conn`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY}::bigint)`;
    try {
      await conn`
        CREATE TABLE IF NOT EXISTS lunas_schema_migrations (
          version    integer PRIMARY KEY,
          name       text NOT NULL,
          checksum   text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`;
      const rows = await conn<{ version: number; name: string; checksum: string }[]>`
        SELECT version, name, checksum FROM lunas_schema_migrations ORDER BY version`;
      const done = new Map(rows.map((r) => [r.version, r]));
      const applied: string[] = [];
      for (const migration of migrations) {
        const previous = done.get(migration.version);
        if (previous) {
          if (previous.checksum !== migration.checksum) {
            throw new Error(
              `Migration ${migration.name} changed after it was applied (checksum mismatch). Released migrations must never be edited; add a new one.`,
            );
          }
          continue;
        }
        await conn.unsafe('BEGIN');
        try {
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
      await conn`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY}::bigint)`;
    }
  } finally {
    conn.release();
  }
}
