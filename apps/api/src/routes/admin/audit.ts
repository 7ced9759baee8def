/** GET /admin/audit?limit=50: the admin audit log (who did what, and why), newest first. */
import { listAdminAudit } from '@lunas/db';
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { sendError } from '../../errors.js';
import { ADMIN_SECURITY, errorBody } from '../../openapi.js';

const querySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

export const auditRoute: FastifyPluginCallback = (app, _options, done) => {
  app.get(
    '/audit',
    {
      schema: {
        summary: 'The admin audit log, newest first',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        documented: {
          querystring: querySchema,
          response: {
            200: z
              .looseObject({})
              .meta({ description: '{entries: [{id, at, actor, action, target, reason, detail}]}' }),
            400: errorBody,
          },
        },
      },
    },
    async (request, reply) => {
      const query = querySchema.safeParse(request.query);
      if (!query.success) {
        return sendError(reply, request, 'LUNAS_ERR_BAD_REQUEST', 'Invalid query: limit 1–500');
      }
      const entries = await listAdminAudit(app.sql, { limit: query.data.limit });
      return { count: entries.length, entries };
    },
  );
  done();
};
