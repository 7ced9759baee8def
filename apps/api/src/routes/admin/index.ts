/**
 * The /admin context: an encapsulated child (Fastify encapsulation) whose every route sits
 * behind the bearer-token hook. Reads go to Postgres directly; the one write (sync) is a job.
 */
import type { ReconcileJobData } from '@lunas/core';
import type { Sql } from '@lunas/db';
import type { Queue, QueueEvents } from 'bullmq';
import type { FastifyPluginAsync } from 'fastify';
import { adminAuth } from '../../plugins/admin-auth.js';
import { mismatchesRoute } from './mismatches.js';
import { stuckPaymentsRoute } from './stuck-payments.js';
import { syncPaymentRoute } from './sync-payment.js';

export interface AdminRouteOptions {
  readonly token: string;
  readonly sql: Sql;
  readonly reconcileQueue: Queue<ReconcileJobData>;
  readonly queueEvents: QueueEvents;
  readonly manualSyncWaitMs: number;
}

export const adminRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, options) => {
  await app.register(adminAuth, { token: options.token });
  await app.register(syncPaymentRoute, {
    sql: options.sql,
    reconcileQueue: options.reconcileQueue,
    queueEvents: options.queueEvents,
    waitMs: options.manualSyncWaitMs,
  });
  await app.register(stuckPaymentsRoute, { sql: options.sql });
  await app.register(mismatchesRoute, { sql: options.sql });
};
