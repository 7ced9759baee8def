/**
 * The operations surface under /admin, in its own encapsulated context behind the admin hook
 * (Bearer token or browser session): Bull Board, the console page, its live event stream,
 * payment timelines and dead letters. The login page is registered apart (login.ts), outside
 * this context, and /metrics at the root (plugins/metrics.ts).
 */
import type { Sql } from '@lunas/db';
import type { LunasMetrics, PaymentEventSubscriber } from '@lunas/runtime';
import type { Queue } from 'bullmq';
import type { FastifyPluginAsync } from 'fastify';
import { adminAuth } from '../../plugins/admin-auth.js';
import { bullBoard } from '../../plugins/bull-board.js';
import { consoleRoutes } from './console.js';
import { deadLettersRoute } from './dead-letters.js';
import { eventsRoute } from './events.js';
import { timelineRoute } from './timeline.js';

export interface OpsRouteOptions {
  readonly token: string;
  readonly sql: Sql;
  readonly notificationQueue: Queue;
  readonly queues: readonly Queue[];
  readonly subscriber: PaymentEventSubscriber;
  readonly metrics: LunasMetrics;
  readonly heartbeatMs: number;
  readonly stuckAfterMinutes: number;
}

export const opsRoutes: FastifyPluginAsync<OpsRouteOptions> = async (app, options) => {
  await app.register(adminAuth, { token: options.token });
  await app.register(bullBoard, { queues: options.queues });
  await app.register(consoleRoutes, { token: options.token, stuckAfterMinutes: options.stuckAfterMinutes });
  await app.register(eventsRoute, {
    subscriber: options.subscriber,
    heartbeatMs: options.heartbeatMs,
    metrics: options.metrics,
  });
  await app.register(deadLettersRoute, { queue: options.notificationQueue });
  await app.register(timelineRoute, { sql: options.sql });
};
