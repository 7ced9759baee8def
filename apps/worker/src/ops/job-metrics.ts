/**
 * Job durations and outcomes of a BullMQ worker (lunas_job_duration_seconds), and an alert for
 * every notification that dead-letters (runs out of attempts or fails as unrecoverable).
 */
import { isAppError, notificationOrderCode, QUEUES } from '@lunas/core';
import type { LunasMetrics } from '@lunas/runtime';
import type { Job, Worker } from 'bullmq';
import { deadLetterAlert, type AlertDraft } from '../alerts/alert-rules.js';

/** True when this failure was the job's last: no attempt left, or unrecoverable. */
export function isFinalFailure(job: Job, error: Error): boolean {
  return job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
}

export function observeJobs(worker: Worker, metrics: LunasMetrics, raise: (draft: AlertDraft) => void): void {
  const queue = worker.name;
  worker.on('completed', (job: Job) => {
    metrics.jobDuration.observe({ queue, outcome: 'completed' }, attemptSeconds(job));
  });
  worker.on('failed', (job: Job | undefined, error: Error) => {
    if (!job) {
      return;
    }
    const dead = isFinalFailure(job, error);
    metrics.jobDuration.observe({ queue, outcome: dead ? 'dead' : 'failed' }, attemptSeconds(job));
    if (dead && queue === QUEUES.notifications && job.id) {
      raise(
        deadLetterAlert(
          job.id,
          notificationOrderCode((job.data as { rawBody?: unknown } | undefined)?.rawBody),
          job.attemptsMade,
          isAppError(error) ? error.code : error.name,
        ),
      );
    }
  });
}

function attemptSeconds(job: Job): number {
  return Math.max(0, Date.now() - (job.processedOn ?? Date.now())) / 1000;
}
