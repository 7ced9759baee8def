/**
 * postgres.js client factory. Every Lunas process makes its clients here, so that each
 * connection carries an application_name (visible in pg_stat_activity) and server notices go
 * to the process logger instead of stdout.
 */
import postgres from 'postgres';
import { quoteSchema } from './schema.js';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;

export interface DbLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface CreateSqlOptions {
  /** postgres:// URL. */
  readonly url: string;
  /** Shown in pg_stat_activity, e.g. "lunas-worker". */
  readonly applicationName: string;
  /** Pool size. */
  readonly max?: number;
  /** Seconds to wait for a connection before failing (the caller's retry policy takes over). */
  readonly connectTimeoutSeconds?: number;
  readonly logger?: DbLogger;
  /** DATABASE_SCHEMA, set as the connection's search_path (schema.ts). Default public. */
  readonly schema?: string;
}

export function createSql(options: CreateSqlOptions): Sql {
  const { logger } = options;
  return postgres(options.url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    idle_timeout: 30,
    connection: {
      application_name: options.applicationName,
      search_path: quoteSchema(options.schema ?? 'public'),
    },
    // Notices are mostly "already exists, skipping" from idempotent DDL: debug, not info.
    onnotice: (notice) => logger?.debug({ notice: notice.message }, 'postgres notice'),
    // Numeric and bigint stay strings: money is compared exactly (see @lunas/core money.ts).
    types: {},
  });
}

/**
 * Runs fn in a transaction with bounded lock and statement waits, so a stuck lock turns into
 * an error (and a job retry) rather than a worker that hangs forever.
 */
export async function runTx<T>(
  sql: Sql,
  fn: (tx: TransactionSql) => Promise<T>,
  options: { lockTimeoutMs?: number; statementTimeoutMs?: number } = {},
): Promise<T> {
  const result = await sql.begin(async (tx) => {
    await tx.unsafe(
      `SET LOCAL lock_timeout = ${Math.trunc(options.lockTimeoutMs ?? 10_000)}; SET LOCAL statement_timeout = ${Math.trunc(options.statementTimeoutMs ?? 30_000)}`,
    );
    return fn(tx);
  });
  return result as T;
}
