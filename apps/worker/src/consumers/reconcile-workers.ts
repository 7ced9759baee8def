/**
 * Reconciliation in a worker process (when RECONCILE_ENABLED): the sweep worker, the reconcile
 * worker and the job scheduler, on the queues and the Midtrans client of the composition root.
 *
 * - One sweep at a time across the fleet: the sweep queue's global concurrency is 1 (BullMQ
 *   setGlobalConcurrency; every process sets it at start, idempotently).
 * - One Midtrans rate limit: the client's fleet-wide Redis limiter (two priorities: a
 *   confirmation goes ahead of a background check). The reconcile worker's BullMQ `limiter` is
 *   only the switch that queue.rateLimit() throws (on 429 or an open circuit, fleet-wide): its
 *   `max` is out of reach, so it never bounds job starts by itself.
 */
import {
  RECONCILE_JOBS,
  RECONCILE_QUEUES,
  type MismatchKind,
  type ReconcileJobData,
  type ReconcileJobResult,
} from '@lunas/core';
import type { MidtransClient } from '@lunas/midtrans';
import { Worker } from 'bullmq';
import type { WorkerDeps } from '../deps.js';
import { isFinalFailure } from '../ops/job-metrics.js';
import { failFastOnDbBugs } from '../processors/fail-fast.js';
import { createReconcilePaymentProcessor } from '../processors/reconcile-payment.js';
import { runSweep, type SweepResult } from '../processors/sweep.js';
import { paidWatchOf } from '../reconcile/paid-watch.js';
import { scheduleSweep } from '../reconcile/scheduler.js';
import type { ApplyStatusResult } from '../sync/apply-status.js';

/**
 * BullMQ honours queue.rateLimit() only on a worker that has a limiter. This one's `max` is
 * never reached by job starts (the Midtrans client's limiter is the bound); it is the pause.
 */
export const RATE_LIMIT_PAUSE_SWITCH = { max: 1_000_000_000, duration: 1_000 } as const;

export interface ReconcileHandle {
  readonly sweepWorker: Worker<unknown, SweepResult>;
  readonly reconcileWorker: Worker<ReconcileJobData, ReconcileJobResult>;
  readonly midtrans: MidtransClient;
  close(): Promise<void>;
}

export interface ReconcileHooks {
  readonly onApplied?: ((result: ApplyStatusResult) => void) | undefined;
  readonly onMismatch?: ((kind: MismatchKind, orderCode: string, paymentId: string) => void) | undefined;
}

export async function startReconcile(deps: WorkerDeps, hooks: ReconcileHooks = {}): Promise<ReconcileHandle> {
  const { config } = deps;
  const logger = deps.logger.child({ component: 'reconcile' });
  const sweepWorker = startSweepWorker(deps, logger);
  const reconcileWorker = startReconcileWorker(deps, logger, hooks);
  await deps.queues.sweep.setGlobalConcurrency(1);
  await scheduleSweep(deps.queues.sweep, config.RECONCILE_EVERY_MS);
  logger.info(
    {
      everyMs: config.RECONCILE_EVERY_MS,
      rateLimit: config.MIDTRANS_RATE_LIMIT,
      maxPerSweep: config.RECONCILE_MAX_PER_SWEEP,
    },
    'reconciliation started',
  );
  let closing: Promise<void> | null = null;
  return {
    sweepWorker,
    reconcileWorker,
    midtrans: deps.midtrans.client,
    close() {
      closing ??= Promise.all([sweepWorker.close(), reconcileWorker.close()]).then(() => undefined);
      return closing;
    },
  };
}

function startSweepWorker(deps: WorkerDeps, logger: WorkerDeps['logger']): Worker<unknown, SweepResult> {
  const { config } = deps;
  const sweep = failFastOnDbBugs(() =>
    runSweep({
      sql: deps.sql,
      logger,
      reconcileQueue: deps.queues.reconcile,
      notificationQueue: deps.queues.notifications,
      circuit: deps.midtrans.circuit,
      pageSize: config.RECONCILE_PAGE_SIZE,
      maxPerSweep: config.RECONCILE_MAX_PER_SWEEP,
      minAgeMs: config.RECONCILE_MIN_AGE_MS,
      redriveLimit: config.RECONCILE_REDRIVE_LIMIT,
      redriveMaxPerJob: config.RECONCILE_REDRIVE_MAX_PER_JOB,
      checkJob: { attempts: config.RECONCILE_ATTEMPTS, backoffMs: config.RECONCILE_BACKOFF_MS },
    }),
  );
  const worker = new Worker<unknown, SweepResult>(
    RECONCILE_QUEUES.sweep,
    async (job) => {
      if (job.name !== RECONCILE_JOBS.sweep) {
        throw new Error(`unknown job name ${job.name}`);
      }
      return sweep();
    },
    {
      connection: deps.consumerRedis,
      prefix: config.QUEUE_PREFIX,
      concurrency: 1,
      // BullMQ renews the lock while the sweep runs, so a long sweep keeps it; a short lock is
      // what lets the next sweep start soon after a worker is killed mid-sweep (the global
      // concurrency of 1 holds the slot until the stalled job is found).
      lockDuration: config.JOB_LOCK_MS,
      stalledInterval: config.STALLED_INTERVAL_MS,
    },
  );
  logCommonEvents(worker, logger, 'sweep');
  worker.on('failed', (job, error) =>
    logger.error(
      { jobId: job?.id, err: { message: error.message } },
      'reconcile sweep failed; the next tick retries',
    ),
  );
  return worker;
}

function startReconcileWorker(
  deps: WorkerDeps,
  logger: WorkerDeps['logger'],
  hooks: ReconcileHooks,
): Worker<ReconcileJobData, ReconcileJobResult> {
  const { config } = deps;
  const processor = failFastOnDbBugs(
    createReconcilePaymentProcessor({
      sql: deps.sql,
      logger,
      midtrans: deps.midtrans.client,
      queue: deps.queues.reconcile,
      cadenceMs: config.RECONCILE_CADENCE_MS,
      unknownAfterMs: config.RECONCILE_UNKNOWN_AFTER_MS,
      paidWatch: paidWatchOf(config),
      backoffMs: config.RECONCILE_BACKOFF_MS,
      onApplied: hooks.onApplied,
      onMismatch: hooks.onMismatch,
    }),
  );
  const worker = new Worker<ReconcileJobData, ReconcileJobResult>(
    RECONCILE_QUEUES.reconcile,
    async (job) => {
      if (job.name !== RECONCILE_JOBS.reconcilePayment) {
        throw new Error(`unknown job name ${job.name}`);
      }
      return processor(job);
    },
    {
      connection: deps.consumerRedis,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.RECONCILE_CONCURRENCY,
      limiter: RATE_LIMIT_PAUSE_SWITCH,
      lockDuration: Math.max(config.JOB_LOCK_MS, config.MIDTRANS_TIMEOUT_MS * 2),
      stalledInterval: config.STALLED_INTERVAL_MS,
      maxStalledCount: config.MAX_STALLED_COUNT,
    },
  );
  logCommonEvents(worker, logger, 'reconcile');
  worker.on('failed', (job, error) => {
    const fields = {
      jobId: job?.id,
      paymentId: job?.data.paymentId,
      attempt: job?.attemptsMade,
      err: { message: error.message },
    };
    if (!job || isFinalFailure(job, error)) {
      logger.error(fields, 'payment check failed; the payment is due again at its next cadence step');
    } else {
      logger.debug(fields, 'payment check attempt failed; retrying with backoff');
    }
  });
  return worker;
}

function logCommonEvents(worker: Worker, logger: WorkerDeps['logger'], name: string): void {
  worker.on('error', (error) => logger.error({ err: error, worker: name }, 'reconcile worker error'));
  worker.on('stalled', (jobId) => logger.warn({ jobId, worker: name }, 'reconcile job stalled; re-queued'));
}
