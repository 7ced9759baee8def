/**
 * The db boundary's translation, applied to every processor: a Postgres error that is a bug or
 * bad data (a CHECK or unique violation, an undefined column: isPermanentDbError, by SQLSTATE)
 * fails the job at once as BullMQ's UnrecoverableError, with a `permanent: ` message so re-drive
 * leaves it for a person. Transient ones (an outage, a lock timeout) are rethrown unchanged and
 * retried with backoff as before.
 */
import { permanentFailureMessage } from '@lunas/core';
import { describeDbError, isPermanentDbError } from '@lunas/db';
import { UnrecoverableError } from 'bullmq';

export function failFastOnDbBugs<Args extends unknown[], R>(
  processor: (...args: Args) => Promise<R>,
): (...args: Args) => Promise<R> {
  return async (...args) => {
    try {
      return await processor(...args);
    } catch (error) {
      throw toUnrecoverable(error);
    }
  };
}

/** The error a processor should throw for `error`: UnrecoverableError for a permanent db failure. */
export function toUnrecoverable(error: unknown): unknown {
  if (!isPermanentDbError(error)) {
    return error;
  }
  const permanent = new UnrecoverableError(permanentFailureMessage(describeDbError(error)));
  permanent.cause = error;
  return permanent;
}
