/**
 * GET /events?after=<id>&limit=<n>: the shop's pull feed of payment events (docs/events.md),
 * a cursor over payment_events, for consumers that prefer pulling or catch up after downtime.
 * `Authorization: Bearer <SHOP_API_TOKEN>` (separate from ADMIN_TOKEN). Reads Postgres through
 * a small pool of its own; it is not on the webhook's path.
 *
 *   200 {events: [{id, type, timestamp, data}], next_after, has_more}
 *       oldest first; pass next_after as `after` to read on. `after` is an event id, plain or
 *       as its webhook-id (evt_<id>); 0 (the default) starts at the beginning.
 *   400 bad query, 401 no or wrong token
 */
import { deliveredEvent, deliveredEventSchema, eventIdOfMessageId } from '@lunas/core';
import { createSql, listEventsAfter } from '@lunas/db';
import type { Logger } from '@lunas/runtime';
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { sendError } from '../errors.js';
import { errorBody } from '../openapi.js';
import { isAuthorized } from '../plugins/admin-auth.js';
import { SHOP_SECURITY } from '../plugins/shop-auth.js';

export const MAX_EVENTS_PAGE = 1_000;

const querySchema = z.object({
  after: z
    .string()
    .trim()
    .transform((value) => (/^\d{1,19}$/.test(value) ? value : eventIdOfMessageId(value)))
    .refine((value): value is string => value !== null)
    .default('0'),
  limit: z.coerce.number().int().min(1).max(MAX_EVENTS_PAGE).default(100),
});

export interface ShopEventsOptions {
  readonly token: string;
  readonly databaseUrl: string;
  readonly logger: Logger;
}

export const shopEventsRoutes: FastifyPluginCallback<ShopEventsOptions> = (app, options, done) => {
  const sql = createSql({
    url: options.databaseUrl,
    applicationName: 'lunas-api-events',
    max: 2,
    logger: options.logger,
  });
  app.addHook('onClose', async () => {
    await sql.end({ timeout: 5 });
  });

  app.get(
    '/events',
    {
      schema: {
        summary: 'Payment events after a cursor, oldest first (docs/events.md)',
        tags: ['shop'],
        security: SHOP_SECURITY,
        documented: {
          querystring: z.object({ after: z.string().optional(), limit: z.string().optional() }),
          response: {
            200: z.object({
              events: z.array(deliveredEventSchema),
              next_after: z.string(),
              has_more: z.boolean(),
            }),
            400: errorBody,
            401: errorBody,
          },
        },
      },
    },
    async (request, reply) => {
      if (!isAuthorized(request.headers.authorization, options.token)) {
        request.log.warn({ url: '/events' }, 'events request without a valid shop token');
        return sendError(
          reply,
          request,
          'LUNAS_ERR_UNAUTHORIZED',
          'A valid Authorization: Bearer <SHOP_API_TOKEN> header is required',
        );
      }
      const query = querySchema.safeParse(request.query);
      if (!query.success) {
        return sendError(
          reply,
          request,
          'LUNAS_ERR_BAD_REQUEST',
          `Invalid query: after is an event id (digits or evt_<digits>), limit 1–${MAX_EVENTS_PAGE}`,
        );
      }
      const { after, limit } = query.data;
      // One more than asked tells whether another page follows.
      const rows = await listEventsAfter(sql, after, limit + 1);
      const page = rows.slice(0, limit);
      return {
        events: page.map((row) => deliveredEvent(row)),
        next_after: page.at(-1)?.id ?? after,
        has_more: rows.length > limit,
      };
    },
  );
  done();
};
