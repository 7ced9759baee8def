/**
 * Assembles a worker process: the composition root (deps.ts) and, on it, the consumers: the
 * notification worker with its fast path, reconciliation, alert delivery and the stuck watch.
 * startWorker() is what main.ts runs and what tests run in-process.
 */
import {
  NOTIFICATION_RETRY_DEFAULTS,
  type MismatchKind,
  type NotificationJobData,
  type AlertJobData,
} from '@lunas/core';
import type { Sql } from '@lunas/db';
import type { MidtransClient } from '@lunas/midtrans';
import type { LunasMetrics, Logger } from '@lunas/runtime';
import type { Worker } from 'bullmq';
import { mismatchAlert, unverifiedJobAlert } from './alerts/alert-rules.js';
import type { Alerter } from './alerts/alerter.js';
import { startStuckWatch, type StuckWatch } from './alerts/stuck-watch.js';
import type { WorkerConfig } from './config.js';
import { startAlertWorker } from './consumers/alert-worker.js';
import { startEventDelivery } from './consumers/event-delivery.js';
import { startFastPath } from './consumers/fast-path.js';
import { startNotificationWorker } from './consumers/notification-worker.js';
import { startReconcile, type ReconcileHandle } from './consumers/reconcile-workers.js';
import { createWorkerDeps, type WorkerDeps } from './deps.js';
import { observeJobs } from './ops/job-metrics.js';
import { observeMidtrans } from './ops/midtrans-metrics.js';
import { createResultFanOut } from './ops/payment-results.js';
import { trimCompletedJobs } from './ops/trim-completed.js';
import { startForwardWorker } from './processors/forward-notification.js';
import type { ApplyStatusResult } from './sync/apply-status.js';

/** The operations side of a worker process, as tests and the health server see it. */
export interface WorkerOps {
  readonly metrics: LunasMetrics;
  readonly alerter: Alerter;
  /** Null when alerts are off (no ALERT_WEBHOOK_URL). */
  readonly stuckWatch: StuckWatch | null;
  readonly alertWorker: Worker<AlertJobData> | null;
  /** Wraps a Midtrans client: call metrics, and alerts on 401 and an open circuit. */
  observeMidtrans(client: MidtransClient): MidtransClient;
}

export interface WorkerHandle {
  readonly notificationWorker: Worker<NotificationJobData>;
  readonly sql: Sql;
  /** The sweep and reconcile workers; null when RECONCILE_ENABLED=false. */
  readonly reconcile: ReconcileHandle | null;
  /** Metrics, alerts and the stuck watch of this process. */
  readonly ops: WorkerOps;
  /** The composition root: every connection, queue and client this process holds. */
  readonly deps: WorkerDeps;
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
  const deps = createWorkerDeps(config, logger);
  const { metrics, raise } = deps;
  // Every decided result feeds metrics, the live event bus and alerts, then the caller's hook.
  const fanOut = createResultFanOut({ metrics, events: deps.events, raise });
  const onApplied = (result: ApplyStatusResult): void => {
    fanOut(result);
    options.onApplied?.(result);
  };
  const onMismatch = (kind: MismatchKind, orderCode: string, paymentId: string): void =>
    raise(mismatchAlert(kind, orderCode, paymentId));

  // Before this worker completes a job: a retention shortened since the jobs were kept is
  // reached in slices, not in the first completion's script.
  await trimCompletedJobs(deps.queues.notifications, {
    keep: NOTIFICATION_RETRY_DEFAULTS.keepCompletedCount,
    logger,
  });
  const fastPath = startFastPath(deps);
  const notificationWorker = startNotificationWorker(deps, {
    awaiting: fastPath.awaiting,
    onApplied,
    onUnverified: (jobId) => raise(unverifiedJobAlert(jobId)),
  });
  await fastPath.listener.firstAttempt;
  const reconcile = config.RECONCILE_ENABLED ? await startReconcile(deps, { onApplied, onMismatch }) : null;
  const alertWorker = startAlertWorker(deps);
  const forward = startForward(deps);
  const stuckWatch = deps.queues.alerts
    ? startStuckWatch({
        sql: deps.sql,
        alerter: deps.alerter,
        logger,
        afterMinutes: config.ALERT_STUCK_AFTER_MINUTES,
        everyMs: config.ALERT_STUCK_CHECK_MS,
      })
    : null;
  for (const worker of [
    notificationWorker,
    reconcile?.reconcileWorker,
    reconcile?.sweepWorker,
    alertWorker,
  ]) {
    if (worker) {
      observeJobs(worker as Worker, metrics, raise);
    }
  }

  // Payment events to the shop (docs/events.md); null when EVENTS_WEBHOOK_URL is unset.
  const eventDelivery = startEventDelivery({ config, logger });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // Consumers first (active jobs finish), then what they used.
      stuckWatch?.stop();
      await Promise.all([
        notificationWorker.close(),
        reconcile?.close(),
        alertWorker?.close(),
        eventDelivery?.close(),
        forward?.close(),
      ]);
      await fastPath.listener.close();
      await deps.close();
    })();
    return closing;
  };
  logger.info({ concurrency: config.WORKER_CONCURRENCY, prefix: config.QUEUE_PREFIX }, 'worker started');
  return {
    notificationWorker,
    sql: deps.sql,
    reconcile,
    deps,
    ops: {
      metrics,
      alerter: deps.alerter,
      stuckWatch,
      alertWorker,
      observeMidtrans: (client) => observeMidtrans(client, metrics, raise),
    },
    close,
  };
}

/** Cut-over: the API's forwards to the shop's old handler (FORWARD_NOTIFICATION_URL), if set. */
function startForward(deps: WorkerDeps) {
  const { config } = deps;
  return config.FORWARD_NOTIFICATION_URL
    ? startForwardWorker({
        url: config.FORWARD_NOTIFICATION_URL,
        connection: deps.consumerRedis,
        prefix: config.QUEUE_PREFIX,
        timeoutMs: config.FORWARD_TIMEOUT_MS,
        concurrency: config.FORWARD_CONCURRENCY,
        logger: deps.logger,
      })
    : null;
}
