/**
 * Trims the kept completed notification jobs down to the retention's count in slices, before
 * this worker completes its first job. BullMQ prunes by count inside the script that completes
 * a job, all at once: on a deployment that kept a week of jobs (the retention before
 * docs/decisions/0016-notification-retention.md), the first completion under the new options
 * would remove a million jobs in one script and block Redis for about half a minute. Here the
 * oldest go a slice at a time (a few milliseconds of Redis each), so nothing else waits long.
 */
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';

export async function trimCompletedJobs(
  queue: Pick<Queue, 'getCompletedCount' | 'clean'>,
  options: { readonly keep: number; readonly slice?: number; readonly logger?: Logger },
): Promise<number> {
  const slice = Math.max(1, options.slice ?? 2_000);
  let excess = (await queue.getCompletedCount()) - options.keep;
  if (excess <= slice) {
    return 0; // the completion scripts' own pruning handles a few
  }
  options.logger?.info({ excess, slice }, 'trimming kept completed jobs to the retention, a slice at a time');
  let removed = 0;
  while (excess > 0) {
    // The oldest first: clean takes completed jobs in the order they finished.
    const gone = (await queue.clean(0, Math.min(slice, excess), 'completed')).length;
    if (gone === 0) {
      break;
    }
    removed += gone;
    excess -= gone;
    await new Promise((resolve) => setImmediate(resolve));
  }
  options.logger?.info({ removed }, 'kept completed jobs trimmed');
  return removed;
}
