/**
 * Wires reconciliation into a worker process: the Midtrans client (with its fleet-wide rate
 * limit and circuit), the sweep worker (concurrency 1, plus a Redis lock), the reconcile worker
 * and the job scheduler. startWorker() calls this when RECONCILE_ENABLED.
 */
import {
  RECONCILE_JOBS,
  RECONCILE_QUEUES,
  QUEUES,
  type MismatchKind,
  type ReconcileJobData,
  type ReconcileJobResult,
} from '@lunas/core';
import type { Sql } from '@lunas/db';
import type { CircuitBreaker, MidtransClient } from '@lunas/midtrans';
import { createWorkerRedis, redisTargetOf, type Logger } from '@lunas/runtime';
import { Queue, Worker } from 'bullmq';
import type { WorkerConfig } from '../config.js';
import type { ApplyStatusResult, PaidWatch } from '../sync/apply-status.js';
import { createReconcilePaymentProcessor } from './reconcile-payment.js';
import { scheduleSweep } from './scheduler.js';
import { createSweepLock } from './sweep-lock.js';
import { runSweep, type SweepResult } from './sweep.js';

export interface ReconcileHandle {
  readonly sweepWorker: Worker<unknown, SweepResult>;
  readonly reconcileWorker: Worker<ReconcileJobData, ReconcileJobResult>;
  readonly midtrans: MidtransClient;
  close(): Promise<void>;
}

export interface StartReconcileDeps {
  readonly config: WorkerConfig;
  readonly sql: Sql;
  readonly logger: Logger;
  readonly onApplied?: ((result: ApplyStatusResult) => void) | undefined;
  readonly onMismatch?: ((kind: MismatchKind, orderCode: string, paymentId: string) => void) | undefined;
  /** The process's Midtrans client and the fleet-wide circuit it uses (midtrans.ts). */
  readonly midtrans: MidtransClient;
  readonly circuit: CircuitBreaker;
}

export async function startReconcile(deps: StartReconcileDeps): Promise<ReconcileHandle> {
  const { config, sql } = deps;
  const logger = deps.logger.child({ component: 'reconcile' });
  const prefix = config.QUEUE_PREFIX;
  const redis = createWorkerRedis(redisTargetOf(config), logger);
  const sweepRedis = createWorkerRedis(redisTargetOf(config), logger);
  const reconcileRedis = createWorkerRedis(redisTargetOf(config), logger);

  const { midtrans, circuit } = deps;

  const reconcileQueue = new Queue<ReconcileJobData>(RECONCILE_QUEUES.reconcile, {
    connection: redis,
    prefix,
  });
  const sweepQueue = new Queue(RECONCILE_QUEUES.sweep, { connection: redis, prefix });
  const notificationQueue = new Queue(QUEUES.notifications, { connection: redis, prefix });
  for (const queue of [reconcileQueue, sweepQueue, notificationQueue]) {
    queue.on('error', (error) => logger.warn({ err: { message: error.message } }, 'reconcile queue error'));
  }

  const lock = createSweepLock(
    redis,
    `${prefix}:reconcile:sweep-lock`,
    Math.max(60_000, config.RECONCILE_EVERY_MS),
  );
  const sweepWorker = new Worker<unknown, SweepResult>(
    RECONCILE_QUEUES.sweep,
    async (job) => {
      if (job.name !== RECONCILE_JOBS.sweep) {
        throw new Error(`unknown job name ${job.name}`);
      }
      return runSweep({
        sql,
        logger,
        reconcileQueue,
        notificationQueue,
        lock,
        circuit,
        pageSize: config.RECONCILE_PAGE_SIZE,
        maxPerSweep: config.RECONCILE_MAX_PER_SWEEP,
        minAgeMs: config.RECONCILE_MIN_AGE_MS,
        redriveLimit: config.RECONCILE_REDRIVE_LIMIT,
        redriveMaxPerJob: config.RECONCILE_REDRIVE_MAX_PER_JOB,
        checkJob: { attempts: config.RECONCILE_ATTEMPTS, backoffMs: config.RECONCILE_BACKOFF_MS },
      });
    },
    { connection: sweepRedis, prefix, concurrency: 1, lockDuration: 60_000 },
  );

  const processor = createReconcilePaymentProcessor({
    sql,
    logger,
    midtrans,
    queue: reconcileQueue,
    cadenceMs: config.RECONCILE_CADENCE_MS,
    unknownAfterMs: config.RECONCILE_UNKNOWN_AFTER_MS,
    paidWatch: paidWatchOf(config),
    backoffMs: config.RECONCILE_BACKOFF_MS,
    onApplied: deps.onApplied,
    onMismatch: deps.onMismatch,
  });
  const reconcileWorker = new Worker<ReconcileJobData, ReconcileJobResult>(
    RECONCILE_QUEUES.reconcile,
    async (job) => {
      if (job.name !== RECONCILE_JOBS.reconcilePayment) {
        throw new Error(`unknown job name ${job.name}`);
      }
      return processor(job);
    },
    {
      connection: reconcileRedis,
      prefix,
      concurrency: config.RECONCILE_CONCURRENCY,
      // The queue-level limiter is what queue.rateLimit() pauses (429, open circuit); it also
      // keeps job starts at the Midtrans rate. The client's Redis limiter is the hard bound.
      limiter: { max: config.MIDTRANS_RATE_LIMIT, duration: 1000 },
      lockDuration: Math.max(config.JOB_LOCK_MS, config.MIDTRANS_TIMEOUT_MS * 2),
      stalledInterval: config.STALLED_INTERVAL_MS,
      maxStalledCount: config.MAX_STALLED_COUNT,
    },
  );
  for (const [name, worker] of [
    ['sweep', sweepWorker],
    ['reconcile', reconcileWorker],
  ] as const) {
    worker.on('error', (error) => logger.error({ err: error, worker: name }, 'reconcile worker error'));
    worker.on('stalled', (jobId) => logger.warn({ jobId, worker: name }, 'reconcile job stalled; re-queued'));
  }
  sweepWorker.on('failed', (job, error) =>
    logger.error(
      { jobId: job?.id, err: { message: error.message } },
      'reconcile sweep failed; the next tick retries',
    ),
  );
  reconcileWorker.on('failed', (job, error) => {
    const exhausted =
      !job || job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
    const fields = {
      jobId: job?.id,
      paymentId: job?.data.paymentId,
      attempt: job?.attemptsMade,
      err: { message: error.message },
    };
    if (exhausted) {
      logger.error(fields, 'payment check failed; the payment is due again at its next cadence step');
    } else {
      logger.debug(fields, 'payment check attempt failed; retrying with backoff');
    }
  });

  await scheduleSweep(sweepQueue, config.RECONCILE_EVERY_MS);
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
    midtrans,
    close() {
      closing ??= (async () => {
        await Promise.all([sweepWorker.close(), reconcileWorker.close()]);
        await Promise.all([reconcileQueue.close(), sweepQueue.close(), notificationQueue.close()]);
        redis.disconnect();
        sweepRedis.disconnect();
        reconcileRedis.disconnect();
      })();
      return closing;
    },
  };
}

/** The paid-payment watch from the worker's config (the cadence's first step comes first). */
export function paidWatchOf(config: WorkerConfig): PaidWatch {
  return {
    forMs: config.RECONCILE_PAID_WATCH_MS,
    firstCheckAfterMs: config.RECONCILE_CADENCE_MS[0] ?? 60_000,
  };
}
