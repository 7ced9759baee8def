/**
 * Payment event deliveries whose retries ran out (docs/events.md), and putting them back on
 * their way. Postgres holds them (payment_events.exhausted_at); a re-delivery clears that mark
 * and the worker's relay queues the event again with fresh attempts, still in order per order
 * (an order's later events wait behind the exhausted one).
 *
 *   GET  /admin/event-deliveries/exhausted?limit=100   newest first
 *   POST /admin/event-deliveries/:eventId/redeliver {reason}     one event
 *        200 {redelivered:[…], auditId}, 404 unknown event, 409 not exhausted
 *   POST /admin/event-deliveries/redeliver {reason, eventIds:[…]}   up to 100 listed events, or
 *   POST /admin/event-deliveries/redeliver {reason, exhaustedFrom, exhaustedTo, limit?}  those
 *        exhausted in that window (at most `limit` ≤ 100, oldest first); 200 {redelivered, skipped}
 *
 * Each re-delivery needs a reason (1–500 characters) and writes one admin_audit row in the
 * same transaction as the change, like the dead-letter retries.
 */
import { eventMessageId } from '@lunas/core';
import {
  exhaustedEventsIn,
  getEvent,
  insertAdminAudit,
  listExhaustedEvents,
  resetExhaustedEvents,
  type EventHead,
} from '@lunas/db';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sendError } from '../../errors.js';
import { ADMIN_SECURITY, errorBody } from '../../openapi.js';

export const MAX_BULK_REDELIVER = 100;

const reasonSchema = z.string().trim().min(1).max(500);
const eventIdSchema = z
  .string()
  .regex(/^(evt_)?\d{1,19}$/)
  .transform((value) => value.replace(/^evt_/, ''));
const singleBodySchema = z.object({ reason: reasonSchema });
const bulkBodySchema = z.union([
  z
    .object({ reason: reasonSchema, eventIds: z.array(eventIdSchema).min(1).max(MAX_BULK_REDELIVER) })
    .strict(),
  z
    .object({
      reason: reasonSchema,
      exhaustedFrom: z.iso.datetime({ offset: true }),
      exhaustedTo: z.iso.datetime({ offset: true }),
      limit: z.number().int().min(1).max(MAX_BULK_REDELIVER).default(MAX_BULK_REDELIVER),
    })
    .strict()
    .refine(
      (body) => Date.parse(body.exhaustedFrom) <= Date.parse(body.exhaustedTo),
      'exhaustedFrom after exhaustedTo',
    ),
]);
const querySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

const redelivered = (head: EventHead) => ({
  eventId: head.id,
  webhookId: eventMessageId(head.id),
  orderCode: head.orderCode,
});

export const eventDeliveriesRoute: FastifyPluginCallback = (app, _options, done) => {
  const actor = (request: FastifyRequest): string => request.adminActor ?? 'unknown';

  app.get(
    '/event-deliveries/exhausted',
    {
      schema: {
        summary: 'Payment events whose delivery ran out of retries',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        documented: {
          querystring: querySchema,
          response: {
            200: z.looseObject({}).meta({ description: 'The exhausted deliveries' }),
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
      const { total, events } = await listExhaustedEvents(app.sql, query.data.limit);
      return {
        total,
        count: events.length,
        deliveries: events.map((event) => ({
          eventId: event.id,
          webhookId: eventMessageId(event.id),
          type: event.type,
          orderCode: event.orderCode,
          createdAt: event.createdAt.toISOString(),
          exhaustedAt: event.exhaustedAt?.toISOString() ?? null,
          attempts: event.attempts,
          error: (event.lastError ?? '').slice(0, 300),
        })),
      };
    },
  );

  app.post(
    '/event-deliveries/:eventId/redeliver',
    {
      schema: {
        summary: 'Re-deliver one exhausted payment event (audited)',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        documented: {
          params: z.object({ eventId: z.string() }),
          body: singleBodySchema,
          response: {
            200: z.looseObject({}).meta({ description: 'The re-delivered event' }),
            400: errorBody,
            404: errorBody,
            409: errorBody,
          },
        },
      },
    },
    async (request, reply) => {
      const eventId = eventIdSchema.safeParse((request.params as { eventId?: unknown }).eventId);
      const body = singleBodySchema.safeParse(request.body ?? {});
      if (!eventId.success || !body.success) {
        return sendError(reply, request, 'LUNAS_ERR_BAD_REQUEST', 'A reason (1–500 characters) is required');
      }
      const event = await getEvent(app.sql, eventId.data);
      if (!event) {
        return sendError(reply, request, 'LUNAS_ERR_NOT_FOUND', `No event ${eventId.data}`);
      }
      if (!event.exhaustedAt || event.deliveredAt) {
        return sendError(
          reply,
          request,
          'LUNAS_ERR_CONFLICT',
          `Event ${eventId.data} is ${event.deliveredAt ? 'delivered' : 'still on its way'}, not exhausted`,
        );
      }
      const result = await app.sql.begin(async (tx) => {
        const heads = await resetExhaustedEvents(tx, [eventId.data]);
        if (heads.length === 0) {
          return null;
        }
        const audit = await insertAdminAudit(tx, {
          actor: actor(request),
          action: 'event.redeliver',
          target: eventMessageId(eventId.data),
          reason: body.data.reason,
          detail: { eventIds: [eventId.data] },
        });
        return { heads, audit };
      });
      if (!result) {
        return sendError(
          reply,
          request,
          'LUNAS_ERR_CONFLICT',
          `Event ${eventId.data} is no longer exhausted`,
        );
      }
      request.log.info(
        { eventId: eventId.data, auditId: result.audit.id, actor: result.audit.actor },
        'payment event re-delivery',
      );
      return { redelivered: result.heads.map(redelivered), auditId: result.audit.id };
    },
  );

  app.post(
    '/event-deliveries/redeliver',
    {
      schema: {
        summary: 'Re-deliver exhausted payment events, by ids or a time window (audited)',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        documented: {
          body: bulkBodySchema,
          response: {
            200: z.looseObject({}).meta({ description: 'The re-delivered events' }),
            400: errorBody,
          },
        },
      },
    },
    async (request, reply) => {
      const body = bulkBodySchema.safeParse(request.body ?? {});
      if (!body.success) {
        return sendError(
          reply,
          request,
          'LUNAS_ERR_BAD_REQUEST',
          `Body: {reason (1–500 characters), and eventIds (1–${MAX_BULK_REDELIVER}) or exhaustedFrom/exhaustedTo (ISO times) with an optional limit ≤ ${MAX_BULK_REDELIVER}}`,
        );
      }
      const input = body.data;
      const ids =
        'eventIds' in input
          ? [...new Set(input.eventIds)]
          : await exhaustedEventsIn(
              app.sql,
              new Date(input.exhaustedFrom),
              new Date(input.exhaustedTo),
              input.limit,
            );
      const target =
        'eventIds' in input ? `events:${ids.length}` : `window:${input.exhaustedFrom}..${input.exhaustedTo}`;
      const result = await app.sql.begin(async (tx) => {
        const heads = await resetExhaustedEvents(tx, ids);
        if (heads.length === 0) {
          return { heads, audit: null };
        }
        const audit = await insertAdminAudit(tx, {
          actor: actor(request),
          action: 'event.redeliver_bulk',
          target,
          reason: input.reason,
          detail: { eventIds: heads.map((head) => head.id) },
        });
        return { heads, audit };
      });
      const moved = new Set(result.heads.map((head) => head.id));
      const skipped = ids
        .filter((id) => !moved.has(id))
        .map((id) => ({ eventId: id, reason: 'not_exhausted' }));
      if (result.audit) {
        request.log.info(
          { count: result.heads.length, auditId: result.audit.id, actor: result.audit.actor },
          'payment events re-delivery',
        );
      }
      return { redelivered: result.heads.map(redelivered), skipped, auditId: result.audit?.id ?? null };
    },
  );
  done();
};
