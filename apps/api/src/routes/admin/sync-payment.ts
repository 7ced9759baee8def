/**
 * POST /admin/orders/:orderCode/sync-payment, the "Sync Payment Status" button. The API does
 * no state change itself: it enqueues a high-priority reconcile job (sync_type 'manual') for
 * the order's newest payment and waits a bounded time for the worker's answer.
 *
 *   200 {updated, from, to, midtransStatus, outcome, jobId}  the job finished in time
 *   202 {jobId, state}                                       still queued/running (rate limit, circuit, backoff)
 *   404                                                      unknown order, or an order without a payment
 */
import { randomBytes } from 'node:crypto';
import {
  manualReconcileJobId,
  manualReconcileJobOptions,
  RECONCILE_JOBS,
  reconcileJobResultSchema,
} from '@lunas/core';
import { findLatestPaymentForOrder } from '@lunas/db';
import type { Queue } from 'bullmq';
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { sendError } from '../../errors.js';
import { ADMIN_SECURITY, errorBody } from '../../openapi.js';

export interface SyncPaymentRouteOptions {
  readonly waitMs: number;
}

const paramsSchema = z.object({ orderCode: z.string().min(1).max(100) });

export const syncPaymentRoute: FastifyPluginCallback<SyncPaymentRouteOptions> = (app, options, done) => {
  app.post(
    '/orders/:orderCode/sync-payment',
    {
      schema: {
        summary: 'Sync Payment Status: a manual reconcile job for the order’s newest payment',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        documented: {
          params: paramsSchema,
          response: {
            200: z.looseObject({}).meta({
              description:
                '{updated, from, to, midtransStatus, outcome, mismatch, jobId}: the job finished in time',
            }),
            202: z.looseObject({}).meta({ description: '{jobId, state}: still queued or running' }),
            404: errorBody,
          },
        },
      },
    },
    async (request, reply) => {
      const params = paramsSchema.safeParse(request.params);
      if (!params.success) {
        return sendError(reply, request, 'LUNAS_ERR_BAD_REQUEST', 'orderCode must be 1–100 characters');
      }
      const { orderCode } = params.data;
      const latest = await findLatestPaymentForOrder(app.sql, orderCode);
      if (!latest) {
        return sendError(reply, request, 'LUNAS_ERR_NOT_FOUND', `No order ${orderCode}`);
      }
      if (!latest.paymentId) {
        return sendError(reply, request, 'LUNAS_ERR_NOT_FOUND', `Order ${orderCode} has no payment to sync`);
      }
      const now = Date.now();
      const job = await app.reconcileQueue.add(
        RECONCILE_JOBS.reconcilePayment,
        {
          paymentId: latest.paymentId,
          orderCode,
          syncType: 'manual',
          enqueuedAt: new Date(now).toISOString(),
        },
        manualReconcileJobOptions(
          manualReconcileJobId(latest.paymentId, now, randomBytes(4).toString('hex')),
        ),
      );
      const jobId = job.id ?? '';
      try {
        const result = reconcileJobResultSchema.parse(
          await job.waitUntilFinished(app.queueEvents, options.waitMs),
        );
        request.log.info({ orderCode, jobId, outcome: result.outcome }, 'manual payment sync finished');
        return reply.code(200).send({
          updated: result.updated,
          from: result.from,
          to: result.to,
          midtransStatus: result.midtransStatus,
          outcome: result.outcome,
          mismatch: result.mismatch ?? null,
          jobId,
        });
      } catch (error) {
        const state = await job.getState().catch(() => 'unknown');
        if (state === 'failed') {
          request.log.error({ orderCode, jobId, err: error }, 'manual payment sync failed');
          return sendError(
            reply,
            request,
            'LUNAS_ERR_INTERNAL',
            `Sync job ${jobId} failed: ${job.failedReason ?? (await failedReason(app.reconcileQueue, jobId))}`,
          );
        }
        // Not finished in time: it stays queued and will apply; the caller can poll the order.
        return reply.code(202).send({ jobId, state });
      }
    },
  );
  done();
};

async function failedReason(queue: Queue, jobId: string): Promise<string> {
  const fresh = await queue.getJob(jobId);
  return fresh?.failedReason ?? 'unknown reason';
}
