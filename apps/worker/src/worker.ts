/**
 * Assembles a worker process's consumers: the notification worker, the fast-path listener, and
 * their shared connections. startWorker() is what main.ts runs and what tests run in-process.
 */
import { JOBS, QUEUES, type NotificationJobData } from '@lunas/core';
import { createSql, type Sql } from '@lunas/db';
import { createWorkerRedis, type Logger } from '@lunas/runtime';
import { Queue, Worker } from 'bullmq';
import { AwaitingPayments } from './awaiting-payments.js';
import { startEventDelivery } from './events/start-event-delivery.js';
import { createFleetMidtrans } from './midtrans.js';
import { listenForPaymentRows } from './payment-row-listener.js';
import type { WorkerConfig } from './config.js';
import { createNotificationProcessor } from './processors/process-notification.js';
import { paidWatchOf, startReconcile, type ReconcileHandle } from './reconcile/start-reconcile.js';
import type { ApplyStatusResult } from './sync/apply-status.js';
import { startWorkerOps, type WorkerOps } from './worker-ops.js';

export interface WorkerHandle {
  readonly notificationWorker: Worker<NotificationJobData>;
  readonly sql: Sql;
  /** The sweep and reconcile workers; null when RECONCILE_ENABLED=false. */
  readonly reconcile: ReconcileHandle | null;
  /** Metrics, live payment events and alerts of this process (worker-ops.ts). */
  readonly ops: WorkerOps;
  /** Stops taking jobs, lets active ones finish, closes every connection. Idempotent. */
  close(): Promise<void>;
}

export interface StartWorkerOptions {
  /** Called after every decided result, after metrics, live events and alerts have seen it. */
  readonly onApplied?: (result: ApplyStatusResult) => void;
}

export async function startWorker(
  config: WorkerConfig,
  logger: Logger,
  options: StartWorkerOptions = {},
): Promise<WorkerHandle> {
  const sql = createSql({
    url: config.DATABASE_URL,
    applicationName: 'lunas-worker',
    max: config.WORKER_CONCURRENCY + 2 + (config.RECONCILE_ENABLED ? config.RECONCILE_CONCURRENCY + 1 : 0),
    logger,
  });
  const workerRedis = createWorkerRedis(config.REDIS_URL, logger);
  const queueRedis = createWorkerRedis(config.REDIS_URL, logger);
  const prefix = config.QUEUE_PREFIX;
  const notificationQueue = new Queue(QUEUES.notifications, { connection: queueRedis, prefix });
  notificationQueue.on('error', (error) =>
    logger.warn({ err: { message: error.message } }, 'notification queue error'),
  );
  const awaiting = new AwaitingPayments(queueRedis, prefix, notificationQueue, logger);
  const ops = startWorkerOps({ config, logger, sql });
  // One Midtrans client per process, with the fleet-wide rate limit and circuit (midtrans.ts):
  // notifications are confirmed with it, and the sweep checks with it.
  const midtrans = createFleetMidtrans({
    config,
    redis: queueRedis,
    logger,
    observe: (client) => ops.observeMidtrans(client),
  });
  // Every decided result feeds metrics, the live event bus and alerts, then the caller's hook.
  const onApplied = (result: ApplyStatusResult): void => {
    ops.onApplied(result);
    options.onApplied?.(result);
  };

  const processor = createNotificationProcessor({
    sql,
    logger,
    awaiting,
    midtrans: midtrans.client,
    serverKey: config.MIDTRANS_SERVER_KEY,
    onApplied,
    onUnverified: (jobId) => ops.onUnverified(jobId),
    notFoundAttempts: config.NOTIFICATION_NOT_FOUND_ATTEMPTS,
    ...(config.RECONCILE_ENABLED ? { paidWatch: paidWatchOf(config) } : {}),
  });
  const notificationWorker = new Worker<NotificationJobData>(
    QUEUES.notifications,
    async (job, token) => {
      if (job.name !== JOBS.processNotification) {
        throw new Error(`unknown job name ${job.name}`);
      }
      return processor(job, token);
    },
    {
      connection: workerRedis,
      prefix,
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration: config.JOB_LOCK_MS,
      stalledInterval: config.STALLED_INTERVAL_MS,
      maxStalledCount: config.MAX_STALLED_COUNT,
    },
  );
  ops.observeWorker(notificationWorker);
  notificationWorker.on('error', (error) => logger.error({ err: error }, 'notification worker error'));
  notificationWorker.on('stalled', (jobId) =>
    logger.warn({ jobId }, 'job stalled (its worker died); re-queued'),
  );
  notificationWorker.on('failed', (job, error) => {
    if (!job) {
      return;
    }
    const exhausted = job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
    const fields = { jobId: job.id, attempt: job.attemptsMade, err: { message: error.message } };
    if (exhausted) {
      logger.error(
        fields,
        'notification job failed for good; it stays in the failed set (dead letter) for re-drive',
      );
    } else {
      logger.debug(fields, 'notification job attempt failed; retrying with backoff');
    }
  });

  // Fast path: the trigger on order_payments NOTIFYs at commit.
  const listener = listenForPaymentRows(sql, logger, (orderCode) => {
    awaiting
      .wake(orderCode)
      .catch((error: unknown) =>
        logger.warn({ err: error, orderCode }, 'fast path failed; backoff will retry'),
      );
  });
  await listener.firstAttempt;

  const reconcile = config.RECONCILE_ENABLED
    ? await startReconcile({
        config,
        sql,
        logger,
        onApplied,
        onMismatch: (kind, orderCode, paymentId) => ops.onMismatch(kind, orderCode, paymentId),
        midtrans: midtrans.client,
        circuit: midtrans.circuit,
      })
    : null;
  if (reconcile) {
    ops.observeWorker(reconcile.reconcileWorker);
    ops.observeWorker(reconcile.sweepWorker);
  }

  // Payment events to the shop (docs/events.md); null when EVENTS_WEBHOOK_URL is unset.
  const eventDelivery = startEventDelivery({ config, logger });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all([notificationWorker.close(), reconcile?.close(), eventDelivery?.close()]);
      await listener.close();
      await ops.close();
      await notificationQueue.close();
      await sql.end({ timeout: 5 });
      workerRedis.disconnect();
      queueRedis.disconnect();
    })();
    return closing;
  };
  logger.info({ concurrency: config.WORKER_CONCURRENCY, prefix }, 'worker started');
  return { notificationWorker, sql, reconcile, ops, close };
}
