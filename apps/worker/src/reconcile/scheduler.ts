/**
 * The sweep's schedule: one BullMQ job scheduler per deployment. upsertJobScheduler is
 * idempotent, so every worker process calls it at start and the fleet still gets one job per
 * tick; a changed RECONCILE_EVERY_MS simply replaces the schedule. Attempts 1: a failed sweep
 * is retried by the next tick, not by piling retries onto it.
 */
import { RECONCILE_JOBS, RECONCILE_SWEEP_SCHEDULER_ID, SWEEP_JOB_OPTIONS } from '@lunas/core';
import type { Queue } from 'bullmq';

export async function scheduleSweep(queue: Queue, everyMs: number): Promise<void> {
  await queue.upsertJobScheduler(
    RECONCILE_SWEEP_SCHEDULER_ID,
    { every: everyMs },
    {
      name: RECONCILE_JOBS.sweep,
      data: {},
      opts: SWEEP_JOB_OPTIONS,
    },
  );
}
