/**
 * What the operations surface of one API process holds: its metrics registry (with the
 * scrape-time collectors for queue depth, stuck payments and mismatches), the Redis subscriber
 * of the payment event bus, and the queues Bull Board shows beyond those the API already has.
 */
import { ALERT_QUEUES, EVENT_QUEUES, RECONCILE_QUEUES } from '@lunas/core';
import { countPaymentHealth, type Sql } from '@lunas/db';
import {
  createMetrics,
  createPaymentEventSubscriber,
  registerPaymentHealth,
  registerQueueDepth,
  registerRedisMemory,
  type LunasMetrics,
  type Logger,
  type PaymentEventSubscriber,
  type Redis,
  type RedisTarget,
} from '@lunas/runtime';
import { Queue } from 'bullmq';

export interface OpsDeps {
  readonly metrics: LunasMetrics;
  /** Null when the admin routes are off (no ADMIN_TOKEN): nothing would read the events. */
  readonly subscriber: PaymentEventSubscriber | null;
  /** Every Lunas queue, for Bull Board and queue depth. */
  readonly queues: readonly Queue[];
  close(): Promise<void>;
}

export interface CreateOpsDepsInput {
  readonly redisTarget: RedisTarget;
  readonly prefix: string;
  readonly redis: Redis;
  readonly logger: Logger;
  readonly notificationQueue: Queue;
  /** Present when the admin routes are on. */
  readonly admin: { readonly sql: Sql; readonly reconcileQueue: Queue } | null;
  readonly stuckAfterMinutes: number;
}

export function createOpsDeps(input: CreateOpsDepsInput): OpsDeps {
  const { redis, prefix, logger } = input;
  const metrics = createMetrics({ role: 'api' });
  const own = [RECONCILE_QUEUES.sweep, ALERT_QUEUES.alerts, EVENT_QUEUES.deliveries].map((name) => {
    const queue = new Queue(name, { connection: redis, prefix });
    queue.on('error', (error) =>
      logger.warn({ err: { message: error.message }, queue: name }, 'queue error'),
    );
    return queue;
  });
  const queues = [input.notificationQueue, ...(input.admin ? [input.admin.reconcileQueue] : []), ...own];
  // Cached for 5 s and shared by concurrent scrapes: a scrape storm costs one read per queue.
  registerQueueDepth(metrics, queues, { cacheMs: 5_000 });
  // Redis memory against its limit (the alert that fires before Redis fills): the API's Redis
  // is the one whose 200 fails when it is full.
  registerRedisMemory(metrics, () => redis, { cacheMs: 5_000 });
  const admin = input.admin;
  if (admin) {
    registerPaymentHealth(metrics, () => countPaymentHealth(admin.sql, input.stuckAfterMinutes));
  }
  const subscriber = admin ? createPaymentEventSubscriber(input.redisTarget, prefix, logger) : null;
  return {
    metrics,
    subscriber,
    queues,
    async close() {
      await subscriber?.close();
      await Promise.all(own.map((queue) => queue.close().catch(() => undefined)));
    },
  };
}
