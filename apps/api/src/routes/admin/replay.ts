/**
 * POST /admin/replay: repair a time window or one order (see replay.ts for the sources and
 * how each payment is checked). Audited before anything is asked or enqueued (who, when, why).
 *
 *   200 {dryRun, auditId, from, to, orderCode, items: [{orderCode, paymentId, from, to, …, change}]}
 *   400 bad body (from ≥ to, a window over 31 days, no reason) or more than 500 payments
 */
import { insertAdminAudit } from '@lunas/db';
import type { MidtransClient } from '@lunas/midtrans';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendError } from '../../errors.js';
import { ADMIN_SECURITY, errorBody, useZod } from '../../openapi.js';
import {
  collectCandidates,
  dryRun,
  REPLAY_MAX_PAYMENTS,
  ReplayTooLarge,
  replayItemSchema,
  runReplay,
  type ReplayDeps,
} from '../../replay.js';

export interface ReplayRouteOptions {
  readonly midtrans: MidtransClient;
  readonly waitMs: number;
}

const MAX_WINDOW_MS = 31 * 24 * 3600 * 1000;

export const replayRequestSchema = z
  .object({
    from: z.iso.datetime({ offset: true }).meta({ example: '2026-12-01T00:00:00Z' }),
    to: z.iso.datetime({ offset: true }).meta({ example: '2026-12-01T06:00:00Z' }),
    orderCode: z.string().min(1).max(100).optional(),
    dryRun: z
      .boolean()
      .default(true)
      .meta({ description: 'true (default): report what would change, change nothing' }),
    reason: z.string().trim().min(1).max(500).meta({ description: 'Why: kept in the admin audit log' }),
  })
  .refine((b) => Date.parse(b.from) < Date.parse(b.to), { message: 'from must be before to', path: ['from'] })
  .refine((b) => Date.parse(b.to) - Date.parse(b.from) <= MAX_WINDOW_MS, {
    message: 'the window may span 31 days at most',
    path: ['to'],
  });

const replayResponseSchema = z.object({
  dryRun: z.boolean(),
  auditId: z.string(),
  from: z.string(),
  to: z.string(),
  orderCode: z.string().nullable(),
  items: z.array(replayItemSchema),
});

export const replayRoute: FastifyPluginCallbackZod<ReplayRouteOptions> = (app, options, done) => {
  useZod(app);
  app.post(
    '/replay',
    {
      schema: {
        summary: 'Replay a window or an order (dry run by default)',
        description: `Finds the payments of the window in the stored notifications and the tables, asks Midtrans (Get Status) about each, and either reports what would change (dryRun) or applies it through the reconcile queue. At most ${REPLAY_MAX_PAYMENTS} payments.`,
        tags: ['admin'],
        security: ADMIN_SECURITY,
        body: replayRequestSchema,
        response: { 200: replayResponseSchema, 400: errorBody, 401: errorBody, 403: errorBody },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const input = {
        from: new Date(body.from),
        to: new Date(body.to),
        orderCode: body.orderCode,
        dryRun: body.dryRun,
      };
      const deps: ReplayDeps = {
        sql: app.sql,
        midtrans: options.midtrans,
        notificationQueue: app.notificationQueue,
        reconcileQueue: app.reconcileQueue,
        queueEvents: app.queueEvents,
        waitMs: options.waitMs,
      };
      const target = `window:${input.from.toISOString()}..${input.to.toISOString()}${body.orderCode ? `:order:${body.orderCode}` : ''}`;
      const audit = await insertAdminAudit(app.sql, {
        actor: request.adminActor ?? 'unknown',
        action: body.dryRun ? 'replay.dry_run' : 'replay.run',
        target,
        reason: body.reason,
      });
      let candidates;
      try {
        candidates = await collectCandidates(deps, input);
      } catch (error) {
        if (error instanceof ReplayTooLarge) {
          return sendError(reply, request, 'LUNAS_ERR_BAD_REQUEST', error.message);
        }
        throw error;
      }
      const items = body.dryRun ? await dryRun(deps, candidates) : await runReplay(deps, candidates);
      request.log.info(
        {
          auditId: audit.id,
          dryRun: body.dryRun,
          payments: items.length,
          changes: items.filter((i) => i.change === 'apply').length,
        },
        'replay finished',
      );
      return reply.code(200).send({
        dryRun: body.dryRun,
        auditId: audit.id,
        from: input.from.toISOString(),
        to: input.to.toISOString(),
        orderCode: body.orderCode ?? null,
        items,
      });
    },
  );
  done();
};
