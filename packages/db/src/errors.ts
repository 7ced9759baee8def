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
