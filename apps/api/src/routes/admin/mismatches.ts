/** GET /admin/payments/mismatches?limit=100: the mismatch ledger (Midtrans and our rows disagree), oldest first. */
import { findMismatches } from '@lunas/db';
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { sendError } from '../../errors.js';
import { ADMIN_MAX_PAGE } from './stuck-payments.js';
import { ADMIN_SECURITY, errorBody } from '../../openapi.js';

const querySchema = z.object({ limit: z.coerce.number().int().min(1).max(ADMIN_MAX_PAGE).default(100) });

export const mismatchesRoute: FastifyPluginCallback = (app, _options, done) => {
  app.get(
    '/payments/mismatches',
    {
      schema: {
        summary: 'Payments on the mismatch ledger',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        documented: {
          querystring: querySchema,
          response: { 200: z.looseObject({}).meta({ description: 'The ledger entries' }), 400: errorBody },
        },
      },
    },
    async (request, reply) => {
      const query = querySchema.safeParse(request.query);
      if (!query.success) {
        return sendError(reply, request, 'LUNAS_ERR_BAD_REQUEST', `Invalid query: limit 1–${ADMIN_MAX_PAGE}`);
      }
      const rows = await findMismatches(app.sql, query.data);
      return { count: rows.length, mismatches: rows };
    },
  );
  done();
};
