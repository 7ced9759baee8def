/**
 * The notification consumer: a BullMQ Worker on payment-notifications running
 * processNotification (processors/process-notification.ts), and its log lines.
 */
import { JOBS, QUEUES, type NotificationJobData } from '@lunas/core';
import { Worker } from 'bullmq';
import type { AwaitingPayments } from '../awaiting-payments.js';
import type { WorkerDeps } from '../deps.js';
import { isFinalFailure } from '../ops/job-metrics.js';
import { failFastOnDbBugs } from '../processors/fail-fast.js';
import { createNotificationProcessor } from '../processors/process-notification.js';
import { paidWatchOf } from '../reconcile/paid-watch.js';
import { createNotificationBatcher } from '../sync/apply-batcher.js';
import type { ApplyStatusResult } from '../sync/apply-status.js';

export function startNotificationWorker(
  deps: WorkerDeps,
  hooks: {
    readonly awaiting: AwaitingPayments;
    readonly onApplied: (result: ApplyStatusResult) => void;
    readonly onUnverified: (jobId: string | null) => void;
  },
): Worker<NotificationJobData> {
  const { config, logger } = deps;
  const processor = failFastOnDbBugs(
    createNotificationProcessor({
      sql: deps.sql,
      logger,
      awaiting: hooks.awaiting,
      midtrans: deps.midtrans.client,
      serverKey: config.MIDTRANS_SERVER_KEY,
      onApplied: hooks.onApplied,
      onUnverified: hooks.onUnverified,
      notFoundAttempts: config.NOTIFICATION_NOT_FOUND_ATTEMPTS,
      shopOrders: config.SHOP_ORDERS,
      batcher: createNotificationBatcher(deps.sql, {
        maxBatch: config.NOTIFICATION_BATCH_MAX,
        waitMs: config.NOTIFICATION_BATCH_WAIT_MS,
        shopOrders: config.SHOP_ORDERS,
        logger,
      }),
      ...(config.RECONCILE_ENABLED ? { paidWatch: paidWatchOf(config) } : {}),
    }),
  );
  const worker = new Worker<NotificationJobData>(
    QUEUES.notifications,
    async (job, token) => {
      if (job.name !== JOBS.processNotification) {
        throw new Error(`unknown job name ${job.name}`);
      }
      return processor(job, token);
    },
    {
      connection: deps.consumerRedis,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration: config.JOB_LOCK_MS,
      stalledInterval: config.STALLED_INTERVAL_MS,
      maxStalledCount: config.MAX_STALLED_COUNT,
    },
  );
  worker.on('error', (error) => logger.error({ err: error }, 'notification worker error'));
  worker.on('stalled', (jobId) => logger.warn({ jobId }, 'job stalled (its worker died); re-queued'));
  worker.on('failed', (job, error) => {
    if (!job) {
      return;
    }
    const fields = { jobId: job.id, attempt: job.attemptsMade, err: { message: error.message } };
    if (isFinalFailure(job, error)) {
      logger.error(
        fields,
        'notification job failed for good; it stays in the failed set (dead letter) for re-drive',
      );
    } else {
      logger.debug(fields, 'notification job attempt failed; retrying with backoff');
    }
  });
  return worker;
}
