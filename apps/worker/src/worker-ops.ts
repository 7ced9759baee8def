/**
 * The operations side of a worker process, assembled once by startWorker():
 *
 * - metrics: its own registry (job durations and outcomes, transitions, Midtrans calls,
 *   alerts), served at /metrics on the worker's health port;
 * - live events: every decided payment result is published on the Redis event bus, which the
 *   API's console streams over SSE;
 * - alerts: rules over results, dead letters, Midtrans answers and stuck payments, deduplicated
 *   in Redis and delivered by a BullMQ job (only when ALERT_WEBHOOK_URL is set).
 *
 * Everything here observes; none of it can fail a payment job (errors are logged and dropped).
 */
import { ALERT_QUEUES, isAppError, QUEUES, type AlertJobData, type MismatchKind } from '@lunas/core';
import type { Sql } from '@lunas/db';
import type { MidtransClient } from '@lunas/midtrans';
import {
  createMetrics,
  createPaymentEventPublisher,
  createWorkerRedis,
  redisTargetOf,
  type LunasMetrics,
  type Logger,
} from '@lunas/runtime';
import { Queue, Worker, type Job } from 'bullmq';
import {
  alertsForResult,
  deadLetterAlert,
  midtransAlert,
  mismatchAlert,
  unverifiedJobAlert,
  type AlertDraft,
} from './alerts/alert-rules.js';
import { createAlerter, type Alerter } from './alerts/alerter.js';
import { createDeliverAlertProcessor } from './alerts/deliver-alert.js';
import { startStuckWatch, type StuckWatch } from './alerts/stuck-watch.js';
import type { WorkerConfig } from './config.js';
import type { ApplyStatusResult } from './sync/apply-status.js';

export interface WorkerOps {
  readonly metrics: LunasMetrics;
  readonly alerter: Alerter;
  /** Null when alerts are off (no ALERT_WEBHOOK_URL). */
  readonly stuckWatch: StuckWatch | null;
  readonly alertWorker: Worker<AlertJobData> | null;
  /** The onApplied hook: metrics, live event, alerts. */
  onApplied(result: ApplyStatusResult): void;
  /** A notification job that did not come through the webhook route: alert. */
  onUnverified(jobId: string | null): void;
  /** A payment put on the ledger without a status to apply (a 404): alert. */
  onMismatch(kind: MismatchKind, orderCode: string, paymentId: string): void;
  /** Counts job durations and outcomes; alerts on dead-lettered notifications. */
  observeWorker(worker: Worker): void;
  /** Wraps the Midtrans client: call metrics, and alerts on 401 and an open circuit. */
  observeMidtrans(client: MidtransClient): MidtransClient;
  close(): Promise<void>;
}

export function startWorkerOps(deps: {
  readonly config: WorkerConfig;
  readonly logger: Logger;
  readonly sql: Sql;
}): WorkerOps {
  const { config, logger, sql } = deps;
  const prefix = config.QUEUE_PREFIX;
  const metrics = createMetrics({ role: 'worker' });
  const redis = createWorkerRedis(redisTargetOf(config), logger);
  const events = createPaymentEventPublisher(redis, prefix, logger);

  const webhookUrl = config.ALERT_WEBHOOK_URL;
  const alertQueue = webhookUrl
    ? new Queue<AlertJobData>(ALERT_QUEUES.alerts, { connection: redis, prefix })
    : null;
  alertQueue?.on('error', (error) => logger.warn({ err: { message: error.message } }, 'alert queue error'));
  const alerter = createAlerter({
    redis,
    prefix,
    queue: alertQueue,
    dedupeTtlS: config.ALERT_DEDUPE_TTL_S,
    logger,
    metrics,
  });
  const raise = (draft: AlertDraft): void => {
    alerter
      .raise(draft)
      .catch((error: unknown) =>
        logger.warn(
          { err: error, alert: draft.cause },
          'alert could not be queued; the next sighting retries',
        ),
      );
  };

  let alertWorkerRedis: ReturnType<typeof createWorkerRedis> | null = null;
  let alertWorker: Worker<AlertJobData> | null = null;
  if (webhookUrl) {
    alertWorkerRedis = createWorkerRedis(redisTargetOf(config), logger);
    alertWorker = new Worker<AlertJobData>(
      ALERT_QUEUES.alerts,
      createDeliverAlertProcessor({ webhookUrl, timeoutMs: config.ALERT_TIMEOUT_MS, logger, metrics }),
      { connection: alertWorkerRedis, prefix, concurrency: 2 },
    );
    alertWorker.on('error', (error) => logger.error({ err: error }, 'alert worker error'));
  }
  const stuckWatch = webhookUrl
    ? startStuckWatch({
        sql,
        alerter,
        logger,
        afterMinutes: config.ALERT_STUCK_AFTER_MINUTES,
        everyMs: config.ALERT_STUCK_CHECK_MS,
      })
    : null;
  const ops: WorkerOps = {
    metrics,
    alerter,
    stuckWatch,
    alertWorker,
    onApplied(result) {
      metrics.paymentResults.inc({ outcome: result.outcome });
      if (result.outcome === 'applied' && result.to) {
        metrics.transitions.inc({ from: result.from, to: result.to });
      }
      events.publish({
        type: 'payment.result',
        orderCode: result.orderCode,
        paymentId: result.paymentId,
        outcome: result.outcome,
        from: result.from,
        to: result.to,
        reversal: result.reversal,
        mismatch: result.mismatch,
        at: new Date().toISOString(),
      });
      alertsForResult(result).forEach(raise);
    },
    onUnverified(jobId) {
      raise(unverifiedJobAlert(jobId));
    },
    onMismatch(kind, orderCode, paymentId) {
      raise(mismatchAlert(kind, orderCode, paymentId));
    },
    observeWorker(worker) {
      observeJobs(worker, metrics, raise);
    },
    observeMidtrans(client) {
      return {
        async getStatus(id, options) {
          const started = performance.now();
          try {
            const result = await client.getStatus(id, options);
            const labels = { result: result.kind };
            metrics.midtransRequests.inc(labels);
            metrics.midtransDuration.observe(labels, (performance.now() - started) / 1000);
            if (result.kind === 'unauthorized' || result.kind === 'circuit_open') {
              raise(midtransAlert(result.kind));
            }
            return result;
          } catch (error) {
            metrics.midtransRequests.inc({ result: 'error' });
            throw error;
          }
        },
      };
    },
    async close() {
      stuckWatch?.stop();
      await alertWorker?.close();
      await alertQueue?.close();
      alertWorkerRedis?.disconnect();
      redis.disconnect();
    },
  };
  if (alertWorker) {
    ops.observeWorker(alertWorker);
  }
  return ops;
}

function observeJobs(worker: Worker, metrics: LunasMetrics, raise: (draft: AlertDraft) => void): void {
  const queue = worker.name;
  worker.on('completed', (job: Job) => {
    metrics.jobDuration.observe({ queue, outcome: 'completed' }, attemptSeconds(job));
  });
  worker.on('failed', (job: Job | undefined, error: Error) => {
    if (!job) {
      return;
    }
    const dead = job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
    metrics.jobDuration.observe({ queue, outcome: dead ? 'dead' : 'failed' }, attemptSeconds(job));
    if (dead && queue === QUEUES.notifications && job.id) {
      raise(
        deadLetterAlert(
          job.id,
          orderCodeOf(job.data),
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

/** The order code of a notification job, read from its raw body; null if unreadable. */
function orderCodeOf(data: unknown): string | null {
  try {
    const body = JSON.parse((data as { rawBody?: string }).rawBody ?? '') as { order_id?: unknown };
    return typeof body.order_id === 'string' ? body.order_id : null;
  } catch {
    return null;
  }
}
