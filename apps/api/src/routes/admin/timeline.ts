/**
 * GET /admin/orders/:orderCode/timeline: one payment's story for the console's search. The
 * order, its payments, and every notification, status check and transition Lunas decided
 * (core_payment_sync_logs) with its source (webhook, reconcile, manual) and outcome.
 */
import { findPaymentTimeline } from '@lunas/db';
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { sendError } from '../../errors.js';
import { ADMIN_SECURITY, errorBody } from '../../openapi.js';

const paramsSchema = z.object({ orderCode: z.string().min(1).max(100) });

export const timelineRoute: FastifyPluginCallback = (app, _options, done) => {
  app.get(
    '/orders/:orderCode/timeline',
    {
      schema: {
        summary: 'An order: every payment, its refunds and its sync log',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        documented: {
          params: paramsSchema,
          response: {
            200: z.looseObject({}).meta({ description: 'The timeline' }),
            400: errorBody,
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
      const timeline = await findPaymentTimeline(app.sql, params.data.orderCode);
      if (!timeline) {
        return sendError(reply, request, 'LUNAS_ERR_NOT_FOUND', `No order ${params.data.orderCode}`);
      }
      return timeline;
    },
  );
  done();
};
