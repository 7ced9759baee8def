/**
 * The worker's composition root: everything a worker process holds open is made here, once,
 * and closed here, in order. Consumers (consumers/) and processors (processors/) receive what
 * they need from it; nothing else opens a connection.
 *
 *   Postgres   one pool (sized for the notification and reconcile concurrency, plus the
 *              fast-path LISTEN and the sweep)
 *   Redis      two connections, both of the waiting kind (createWorkerRedis):
 *              - `redis`: commands: the queues, the fast-path registry, the Midtrans rate limit
 *                and circuit, the event bus, the health check;
 *              - `consumerRedis`: handed to every BullMQ Worker, which duplicates it for its
 *                own blocking reads
 *   Queues     one Queue object per queue of the job catalog (@lunas/core jobs.ts)
 *   Midtrans   the process's one client (midtrans.ts), observed by metrics and alerts
 *   Ops        the metrics registry, the payment-event publisher, the alerter
 */
import {
  ALERT_QUEUES,
  QUEUES,
  RECONCILE_QUEUES,
  type AlertJobData,
  type NotificationJobData,
  type ReconcileJobData,
} from '@lunas/core';
import { createSql, type Sql } from '@lunas/db';
import {
  createMetrics,
  createPaymentEventPublisher,
  createWorkerRedis,
  redisTargetOf,
  type LunasMetrics,
  type Logger,
  type PaymentEventPublisher,
  type Redis,
} from '@lunas/runtime';
import { Queue } from 'bullmq';
import type { AlertDraft } from './alerts/alert-rules.js';
import { createAlerter, raiseQuietly, type Alerter } from './alerts/alerter.js';
import type { WorkerConfig } from './config.js';
import { createFleetMidtrans, type FleetMidtrans } from './midtrans.js';
import { observeMidtrans } from './ops/midtrans-metrics.js';

export interface WorkerQueues {
  readonly notifications: Queue<NotificationJobData>;
  readonly reconcile: Queue<ReconcileJobData>;
  readonly sweep: Queue;
  /** Null when alerts are off (no ALERT_WEBHOOK_URL). */
  readonly alerts: Queue<AlertJobData> | null;
}

export interface WorkerDeps {
  readonly config: WorkerConfig;
  readonly logger: Logger;
  readonly sql: Sql;
  /** Commands (queues, registry, Midtrans limit and circuit, events, health). */
  readonly redis: Redis;
  /** Given to every BullMQ Worker; each duplicates it for its blocking reads. */
  readonly consumerRedis: Redis;
  readonly queues: WorkerQueues;
  readonly metrics: LunasMetrics;
  readonly events: PaymentEventPublisher;
  readonly alerter: Alerter;
  /** Raises an alert without ever failing the caller (errors are logged). */
  readonly raise: (draft: AlertDraft) => void;
  /** The process's one Midtrans client, observed by metrics and alerts. */
  readonly midtrans: FleetMidtrans;
  /** Closes the queues, the pool and the connections, in that order. Consumers close first. */
  close(): Promise<void>;
}

/**
 * Postgres connections one worker process opens at most: DATABASE_POOL_MAX when set; else, with
 * batching on, one per job in flight up to 16 (the jobs in flight share a few transactions, so
 * more connections would sit idle), and one per job without it; plus the reconcile jobs.
 */
export function databasePoolSize(config: WorkerConfig): number {
  const notifications =
    config.NOTIFICATION_BATCH_MAX > 1 ? Math.min(config.WORKER_CONCURRENCY, 16) : config.WORKER_CONCURRENCY;
  return (
    config.DATABASE_POOL_MAX ??
    notifications + 2 + (config.RECONCILE_ENABLED ? config.RECONCILE_CONCURRENCY + 1 : 0)
  );
}

export function createWorkerDeps(config: WorkerConfig, logger: Logger): WorkerDeps {
  const prefix = config.QUEUE_PREFIX;
  const sql = createSql({
    url: config.DATABASE_URL,
    applicationName: 'lunas-worker',
    schema: config.DATABASE_SCHEMA,
    max: databasePoolSize(config),
    logger,
  });
  const redis = createWorkerRedis(redisTargetOf(config), logger);
  const consumerRedis = createWorkerRedis(redisTargetOf(config), logger);
  const queue = <T>(name: string): Queue<T> => {
    const made = new Queue<T>(name, { connection: redis, prefix });
    made.on('error', (error) => logger.warn({ err: { message: error.message }, queue: name }, 'queue error'));
    return made;
  };
  const queues: WorkerQueues = {
    notifications: queue<NotificationJobData>(QUEUES.notifications),
    reconcile: queue<ReconcileJobData>(RECONCILE_QUEUES.reconcile),
    sweep: queue<unknown>(RECONCILE_QUEUES.sweep),
    alerts: config.ALERT_WEBHOOK_URL ? queue<AlertJobData>(ALERT_QUEUES.alerts) : null,
  };
  const metrics = createMetrics({ role: 'worker' });
  const events = createPaymentEventPublisher(redis, prefix, logger);
  const alerter = createAlerter({
    queue: queues.alerts,
    dedupeTtlS: config.ALERT_DEDUPE_TTL_S,
    logger,
    metrics,
  });
  const raise = raiseQuietly(alerter, logger);
  // Notifications are confirmed with this client, and the sweep checks with it.
  const midtrans = createFleetMidtrans({
    config,
    redis,
    logger,
    observe: (client) => observeMidtrans(client, metrics, raise),
  });

  let closing: Promise<void> | null = null;
  return {
    config,
    logger,
    sql,
    redis,
    consumerRedis,
    queues,
    metrics,
    events,
    alerter,
    raise,
    midtrans,
    close() {
      closing ??= (async () => {
        await Promise.all(
          [queues.notifications, queues.reconcile, queues.sweep, queues.alerts].map(async (q) => q?.close()),
        );
        await midtrans.client.close?.().catch(() => undefined);
        await sql.end({ timeout: 5 });
        consumerRedis.disconnect();
        redis.disconnect();
      })();
      return closing;
    },
  };
}
