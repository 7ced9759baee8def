/** GET /admin/payments/stuck?olderThanMinutes=30&limit=100: PENDING payments past a threshold, oldest first. */
import { findStuckPayments } from '@lunas/db';
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { sendError } from '../../errors.js';
import { ADMIN_SECURITY, errorBody } from '../../openapi.js';

export const ADMIN_MAX_PAGE = 500;

const querySchema = z.object({
  olderThanMinutes: z.coerce.number().int().min(0).max(525_600).default(30),
  limit: z.coerce.number().int().min(1).max(ADMIN_MAX_PAGE).default(100),
});

export const stuckPaymentsRoute: FastifyPluginCallback = (app, _options, done) => {
  app.get(
    '/payments/stuck',
    {
      schema: {
        summary: 'PENDING payments past a threshold, oldest first',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        documented: {
          querystring: querySchema,
          response: { 200: z.looseObject({}).meta({ description: 'The stuck payments' }), 400: errorBody },
        },
      },
    },
    async (request, reply) => {
      const query = querySchema.safeParse(request.query);
      if (!query.success) {
        return sendError(
          reply,
          request,
          'LUNAS_ERR_BAD_REQUEST',
          `Invalid query: olderThanMinutes 0–525600, limit 1–${ADMIN_MAX_PAGE}`,
        );
      }
      const rows = await findStuckPayments(app.sql, query.data);
      return { olderThanMinutes: query.data.olderThanMinutes, count: rows.length, payments: rows };
    },
  );
  done();
};
