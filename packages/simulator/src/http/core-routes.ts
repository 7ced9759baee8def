/**
 * The Core API: /v2/charge, Get Status and the transaction actions, behind Basic auth with the
 * server key. Get Status honours statusApi faults (5xx, 429, hang).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errors } from '../engine/errors.js';
import type { Action } from '../engine/transitions.js';
import type { StatusApiFault } from '../faults/fault-spec.js';
import { basicAuthKey, sameSecret } from './auth.js';
import { urlList } from './body-parsers.js';
import type { RouteContext } from './context.js';

type IdRequest = { Params: { id: string } };

const ACTIONS: Record<string, Action> = {
  cancel: 'cancel',
  expire: 'expire',
  approve: 'approve',
  // The API's deny resolves a challenge; denying a pending payment is the control API's job.
  deny: 'challenge-deny',
};

const DEFAULT_HANG_MS = 30_000;

export function coreRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.addHook('onRequest', (request, _reply, done) => {
    done(
      sameSecret(basicAuthKey(request.headers.authorization), ctx.serverKey)
        ? undefined
        : errors.unauthorized(),
    );
  });

  app.post('/v2/charge', (request) => {
    const override = urlList(request.headers['x-override-notification']);
    const append = urlList(request.headers['x-append-notification']);
    return ctx.engine.charge(request.body, {
      ...(override ? { overrideNotification: override } : {}),
      ...(append ? { appendNotification: append } : {}),
    });
  });

  app.get<IdRequest>('/v2/:id/status', (request, reply) => {
    const fault = ctx.faults.takeStatusFault(ctx.engine.orderIdOf(request.params.id));
    if (fault) {
      return answerWithFault(fault, reply, ctx);
    }
    return ctx.engine.getStatus(request.params.id);
  });

  for (const [path, action] of Object.entries(ACTIONS)) {
    app.post<IdRequest>(`/v2/:id/${path}`, (request) => ctx.engine.act(request.params.id, action));
  }

  const refund = (request: { params: { id: string }; body: unknown }): unknown => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    return ctx.engine.refund(request.params.id, {
      ...(body.amount === undefined ? {} : { amount: body.amount as number | string }),
      ...(typeof body.refund_key === 'string' ? { refund_key: body.refund_key } : {}),
      ...(typeof body.reason === 'string' ? { reason: body.reason } : {}),
    });
  };
  app.post<IdRequest>('/v2/:id/refund', refund);
  app.post<IdRequest>('/v2/:id/refund/online/direct', refund);
  return Promise.resolve();
}

async function answerWithFault(
  fault: StatusApiFault,
  reply: FastifyReply,
  ctx: RouteContext,
): Promise<unknown> {
  if (fault.respond === 'hang') {
    // Hold the request; closing the simulator cuts the wait short.
    await ctx.scheduler.sleep(fault.hangMs ?? DEFAULT_HANG_MS);
    return reply.code(504).send({ status_code: '504', status_message: 'Gateway timeout (simulated).' });
  }
  const message =
    fault.respond === 429
      ? 'Too many requests. Please retry later (simulated).'
      : 'Sorry. Our system is recovering from unexpected issues. Please retry (simulated).';
  return reply.code(fault.respond).send({ status_code: String(fault.respond), status_message: message });
}
