/** Driver errors, translated by SQLSTATE at the db boundary. */
import postgres from 'postgres';

export function isPostgresError(error: unknown): error is postgres.PostgresError {
  return error instanceof postgres.PostgresError;
}

/** 23505: a unique constraint refused the row. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  return (
    isPostgresError(error) && error.code === '23505' && (!constraint || error.constraint_name === constraint)
  );
}

/**
 * Errors worth retrying later: the server is unreachable, restarting, refusing connections,
 * or a lock/statement wait timed out. Anything else is a bug or bad data.
 */
export function isTransientDbError(error: unknown): boolean {
  if (isPostgresError(error)) {
    // 08: connection exception; 53: insufficient resources; 57P: operator intervention
    // (admin shutdown, database not accepting connections); 55P03 lock_not_available;
    // 57014 query_canceled (statement_timeout); 40001/40P01 serialization/deadlock.
    return /^(08|53|57P|55P03|57014|40001|40P01)/.test(error.code);
  }
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|CONNECT_TIMEOUT|CONNECTION_CLOSED|CONNECTION_ENDED|CONNECTION_DESTROYED)$/.test(
      code,
    )
  );
}

/**
 * SQLSTATE classes that mean the statement itself is wrong, so running it again cannot help:
 * 21 cardinality violation, 22 data exception (a bad cast, a value out of range), 23 integrity
 * constraint violation (CHECK, NOT NULL, unique, foreign key), 42 syntax error or access rule
 * violation (an undefined column or table), 0A feature not supported, 2F and 39 routine errors,
 * 3F an invalid schema, 44 a WITH CHECK OPTION violation. A retry would fail the same way for as long as the job has attempts.
 */
const PERMANENT_SQLSTATE = /^(21|22|23|42|0A|2F|39|3F|44)/;

/**
 * A Postgres error that is a bug or bad data, not an outage: the job should fail at once
 * (BullMQ's UnrecoverableError in the worker) instead of retrying. Errors a caller expects and
 * handles (a unique violation it checks with isUniqueViolation) never reach this far.
 */
export function isPermanentDbError(error: unknown): error is postgres.PostgresError {
  return (
    isPostgresError(error) &&
    PERMANENT_SQLSTATE.test(error.code) &&
    !isTransientDbError(error) &&
    !isRaceViolation(error)
  );
}

/**
 * Unique constraints a concurrent writer outside Lunas can trip, where a retry resolves it:
 * the shop inserts a payment row with a transaction id at the moment Lunas records a row of
 * its own for that transaction; the retry finds the shop's row and applies to it.
 */
const RACE_CONSTRAINTS: ReadonlySet<string> = new Set(['order_payments_transaction_id_key']);

function isRaceViolation(error: postgres.PostgresError): boolean {
  return error.code === '23505' && RACE_CONSTRAINTS.has(error.constraint_name ?? '');
}

/** One line for a permanent database failure: the SQLSTATE and Postgres's message, no values. */
export function describeDbError(error: postgres.PostgresError): string {
  const where = [
    error.table_name && `table ${error.table_name}`,
    error.constraint_name && `constraint ${error.constraint_name}`,
    error.column_name && `column ${error.column_name}`,
  ]
    .filter(Boolean)
    .join(', ');
  return `database refused the statement (SQLSTATE ${error.code}${where ? `, ${where}` : ''}): ${error.message}`;
}
