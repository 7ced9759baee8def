/**
 * What the routes of the /admin context share, as decorators of that context (fastify-plugin,
 * so they reach every child of /admin and nothing outside it): the read-only Postgres pool,
 * the queues, the producer Redis connection, the payment event subscriber and the audit log.
 */
import type { ReconcileJobData } from '@lunas/core';
import type { Sql } from '@lunas/db';
import type { LunasMetrics, PaymentEventSubscriber, Redis } from '@lunas/runtime';
import type { Queue, QueueEvents } from 'bullmq';
import type { FastifyPluginCallback } from 'fastify';
import fp from 'fastify-plugin';

export interface AdminResources {
  /** Reads, and the audit log's inserts; every payment state change goes through a job. */
  readonly sql: Sql;
  /** The API's producer connection (rate limits, sessions). */
  readonly redis: Redis;
  /** Keys of this deployment live under `${queuePrefix}:`. */
  readonly queuePrefix: string;
  readonly notificationQueue: Queue;
  readonly reconcileQueue: Queue<ReconcileJobData>;
  /** Completion events of reconcile jobs, for the manual sync's bounded wait. */
  readonly queueEvents: QueueEvents;
  /** Every Lunas queue, for Bull Board. */
  readonly queues: readonly Queue[];
  readonly subscriber: PaymentEventSubscriber;
  readonly metrics: LunasMetrics;
}

declare module 'fastify' {
  interface FastifyInstance {
    sql: Sql;
    redis: Redis;
    queuePrefix: string;
    notificationQueue: Queue;
    reconcileQueue: Queue<ReconcileJobData>;
    queueEvents: QueueEvents;
    queues: readonly Queue[];
    subscriber: PaymentEventSubscriber;
    metrics: LunasMetrics;
  }
}

const resourcesPlugin: FastifyPluginCallback<AdminResources> = (app, options, done) => {
  app.decorate('sql', options.sql);
  app.decorate('redis', options.redis);
  app.decorate('queuePrefix', options.queuePrefix);
  app.decorate('notificationQueue', options.notificationQueue);
  app.decorate('reconcileQueue', options.reconcileQueue);
  app.decorate('queueEvents', options.queueEvents);
  app.decorate('queues', options.queues);
  app.decorate('subscriber', options.subscriber);
  app.decorate('metrics', options.metrics);
  done();
};

export const adminResources = fp(resourcesPlugin, { name: 'lunas-admin-resources' });
