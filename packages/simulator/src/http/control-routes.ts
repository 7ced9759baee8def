/**
 * The control API under /_sim: what a customer, a bank or Midtrans itself would do, plus fault
 * injection and inspection. Unauthenticated unless a control token is configured.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PaymentLinkRequest, RetryChoice } from '../engine/engine.js';
import { MidtransApiError } from '../engine/errors.js';
import type { Action } from '../engine/transitions.js';
import { faultSpecSchema } from '../faults/fault-spec.js';
import { sameSecret } from './auth.js';
import type { RouteContext } from './context.js';

type IdRequest = { Params: { id: string } };

const SIMPLE_ACTIONS: Record<string, Action> = {
  pay: 'pay',
  expire: 'expire',
  cancel: 'cancel',
  deny: 'deny',
  approve: 'approve',
  reverse: 'reverse',
};

const refundSchema = z.strictObject({
  amount: z.union([z.number(), z.string()]).optional(),
  refund_key: z.string().optional(),
  reason: z.string().optional(),
});
const challengeSchema = z.strictObject({ decision: z.enum(['accept', 'deny']) });
const chargebackSchema = z.strictObject({ amount: z.union([z.number(), z.string()]).optional() });
const subscriptionSchema = z.strictObject({
  url: z.url().optional(),
  failed: z.boolean().optional(),
  event_name: z.string().min(1).optional(),
  subscription: z.record(z.string(), z.unknown()).optional(),
  transaction: z.record(z.string(), z.unknown()).optional(),
});
const testNotificationSchema = z.strictObject({
  url: z.url().optional(),
  order_id: z.string().min(1).optional(),
  transaction_status: z.string().min(1).optional(),
  gross_amount: z.number().positive().optional(),
  status_code: z.string().min(1).optional(),
});
const faultRequestSchema = z.strictObject({ fault: faultSpecSchema, orderId: z.string().min(1).optional() });
const idleQuerySchema = z.object({ timeoutMs: z.coerce.number().int().min(0).max(600_000).default(30_000) });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw new MidtransApiError(400, 'Invalid control request.', {
      validation_messages: result.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`),
    });
  }
  return result.data;
}

/** zod's optional keys come out as `key?: T | undefined`; the engine's options have no undefined. */
function stripUndefined<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

export function controlRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { engine, faults, controlToken } = ctx;
  if (controlToken !== undefined) {
    app.addHook('onRequest', (request, _reply, done) => {
      const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const header = request.headers['x-sim-token'];
      const given = bearer ?? (typeof header === 'string' ? header : undefined);
      done(
        sameSecret(given, controlToken)
          ? undefined
          : new MidtransApiError(401, 'Control API token missing or wrong.'),
      );
    });
  }

  app.get('/health', () => ({ ok: true }));
  app.get('/transactions', () => engine.list());
  app.get<IdRequest>('/transactions/:id', (request) => engine.status(request.params.id));
  app.get<IdRequest>('/transactions/:id/deliveries', (request) => {
    const { id } = request.params;
    if (engine.orderIdOf(id) === undefined) {
      throw new MidtransApiError(404, "Transaction doesn't exist.");
    }
    return engine.deliveries(id);
  });

  for (const [path, action] of Object.entries(SIMPLE_ACTIONS)) {
    app.post<IdRequest>(`/transactions/:id/${path}`, (request) => engine.act(request.params.id, action));
  }
  app.post<IdRequest>('/transactions/:id/refund', (request) => {
    const { amount, refund_key, reason } = parse(refundSchema, request.body);
    return engine.refund(request.params.id, {
      ...(amount === undefined ? {} : { amount }),
      ...(refund_key === undefined ? {} : { refund_key }),
      ...(reason === undefined ? {} : { reason }),
    });
  });
  app.post<IdRequest>('/transactions/:id/challenge', (request) => {
    const { decision } = parse(challengeSchema, request.body);
    return engine.act(request.params.id, decision === 'accept' ? 'approve' : 'challenge-deny');
  });
  app.post<IdRequest>('/transactions/:id/choose', (request) =>
    engine.chooseSnapMethod(request.params.id, (request.body ?? {}) as { payment_type: string }),
  );
  app.post<IdRequest>('/transactions/:id/retry', (request) =>
    engine.retry(request.params.id, (request.body ?? {}) as RetryChoice),
  );
  app.post<IdRequest>('/transactions/:id/chargeback', (request) => {
    const { amount } = parse(chargebackSchema, request.body);
    return engine.chargeback(request.params.id, amount);
  });
  app.get<IdRequest>('/transactions/:id/notifications', (request) => {
    const { id } = request.params;
    if (engine.orderIdOf(id) === undefined) {
      throw new MidtransApiError(404, "Transaction doesn't exist.");
    }
    return engine.sentNotifications(id);
  });
  app.post<IdRequest>('/transactions/:id/replay', (request) =>
    engine.replay(request.params.id, request.body ?? {}),
  );
  app.post('/payment-links', (request) => engine.paymentLink((request.body ?? {}) as PaymentLinkRequest));
  app.post('/subscriptions/notify', (request) =>
    engine.subscriptionNotify(stripUndefined(parse(subscriptionSchema, request.body))),
  );
  app.post('/test-notification', (request) =>
    engine.testNotification(stripUndefined(parse(testNotificationSchema, request.body))),
  );
  app.get('/injections', () => engine.injections());

  app.get('/faults', () => faults.list());
  app.put('/faults', (request) => {
    const { fault, orderId } = parse(faultRequestSchema, request.body);
    faults.set(fault, orderId === undefined ? {} : { orderId });
    return faults.list();
  });
  app.delete<{ Querystring: { orderId?: string } }>('/faults', (request) => {
    const { orderId } = request.query;
    faults.clear(orderId === undefined ? undefined : { orderId });
    return faults.list();
  });

  app.post('/reset', () => {
    ctx.reset();
    return { ok: true };
  });
  app.get('/idle', async (request, reply) => {
    const { timeoutMs } = parse(idleQuerySchema, request.query);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const late = await Promise.race([ctx.idle().then(() => false), timedOut]);
    clearTimeout(timer);
    return reply.code(late ? 408 : 200).send({ idle: !late });
  });
  return Promise.resolve();
}
