/**
 * Puts a notification job on the queue and resolves only once Redis has acknowledged it, or
 * rejects within `timeoutMs`. A rejection becomes a 503, which Midtrans retries; a job that
 * lands after the timeout is harmless, because the retry carries the same job id.
 */
import { JOBS, withTimeout } from '@lunas/core';
import type { Queue } from 'bullmq';
import type { Enqueue } from './ingest.js';

export function createEnqueue(queue: Queue, timeoutMs: number): Enqueue {
  return async (data, options) => {
    await withTimeout(
      queue.add(JOBS.processNotification, data, options),
      timeoutMs,
      `Redis did not acknowledge the job within ${timeoutMs} ms`,
    );
  };
}
