/**
 * Applies migrations when a process starts. Postgres may come up after Lunas (docker compose,
 * a restart), so connection errors are retried for a bounded time before giving up.
 */
import { createSql, type DbLogger } from './client.js';
import { isPostgresError, isTransientDbError } from './errors.js';
import { migrate } from './migrate.js';
import { PreflightError } from './preflight.js';
import type { ShopOrdersMode } from './schema.js';

/**
 * A start-up database failure in words an operator can act on. It names DATABASE_URL, never
 * its value: the driver's own messages quote the database or user name, and a stack trace
 * says nothing more. `code` is the SQLSTATE or socket error code.
 */
export class DatabaseStartError extends Error {
  override readonly name = 'DatabaseStartError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export function toDatabaseStartError(error: unknown): DatabaseStartError {
  if (error instanceof DatabaseStartError) {
    return error;
  }
  if (error instanceof PreflightError) {
    // Names tables and columns of the target schema, never DATABASE_URL's value.
    return new DatabaseStartError(error.message, 'LUNAS_PREFLIGHT');
  }
  const code = (error as { code?: unknown } | null)?.code;
  const sqlState = typeof code === 'string' ? code : undefined;
  if (isPostgresError(error)) {
    if (error.code === '3D000') {
      return new DatabaseStartError(
        'the database named in DATABASE_URL does not exist: create it (npm start does so on a laptop) or point DATABASE_URL at an existing one',
        error.code,
      );
    }
    if (error.code === '28P01' || error.code === '28000') {
      return new DatabaseStartError('Postgres refused the credentials in DATABASE_URL', error.code);
    }
    return new DatabaseStartError(`Postgres error ${error.code} at start (DATABASE_URL)`, error.code);
  }
  if (isTransientDbError(error)) {
    return new DatabaseStartError(`Postgres is not reachable at DATABASE_URL (${sqlState})`, sqlState);
  }
  return new DatabaseStartError(
    `cannot use DATABASE_URL: ${error instanceof Error ? error.message : String(error)}`,
    sqlState,
  );
}

/** Throws a DatabaseStartError when the migrations cannot be applied. */
export async function migrateOnStart(
  url: string,
  logger: DbLogger,
  options: {
    attempts?: number;
    delayMs?: number;
    /** DATABASE_SCHEMA (default public). */
    schema?: string;
    /** SHOP_ORDERS (default builtin). */
    shopOrders?: ShopOrdersMode;
  } = {},
): Promise<void> {
  const attempts = options.attempts ?? 30;
  const delayMs = options.delayMs ?? 2_000;
  for (let attempt = 1; ; attempt += 1) {
    const schema = options.schema ?? 'public';
    const sql = createSql({ url, applicationName: 'lunas-migrate', max: 1, logger, schema });
    try {
      const { applied } = await migrate(sql, { schema, shopOrders: options.shopOrders ?? 'builtin' });
      if (applied.length > 0) {
        logger.info({ applied }, 'migrations applied');
      }
      return;
    } catch (error) {
      if (!isTransientDbError(error) || attempt >= attempts) {
        throw toDatabaseStartError(error);
      }
      logger.warn(
        { attempt, err: { message: toDatabaseStartError(error).message } },
        'database not reachable for migrations; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    } finally {
      await sql.end({ timeout: 5 });
    }
  }
}
