/**
 * Snap: POST /snap/v1/transactions answers {token, redirect_url}. Snap reports errors as
 * {error_messages: [...]} rather than the Core API's status_code body; the exact Snap texts
 * are not in Midtrans's public docs we rely on, so these are descriptive, not copied.
 */
import type { FastifyInstance } from 'fastify';
import { errors, isMidtransApiError } from '../engine/errors.js';
import { basicAuthKey, sameSecret } from './auth.js';
import { urlList } from './body-parsers.js';
import type { RouteContext } from './context.js';

export function snapRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.setErrorHandler((error, _request, reply) => {
    if (isMidtransApiError(error)) {
      // Snap answers a duplicate order_id with 400 (UNCONFIRMED; not in docs/midtrans.md).
      const status = error.statusCode === 406 ? 400 : error.statusCode;
      const messages = Array.isArray(error.body.validation_messages)
        ? (error.body.validation_messages as string[])
        : [error.message];
      return reply.code(status).send({ error_messages: messages });
    }
    return reply.code(500).send({ error_messages: ['Internal error (simulated Snap)'] });
  });

  app.post('/snap/v1/transactions', (request, reply) => {
    if (!sameSecret(basicAuthKey(request.headers.authorization), ctx.serverKey)) {
      throw errors.unauthorized();
    }
    const override = urlList(request.headers['x-override-notification']);
    const append = urlList(request.headers['x-append-notification']);
    const created = ctx.engine.createSnap(request.body, {
      ...(override ? { overrideNotification: override } : {}),
      ...(append ? { appendNotification: append } : {}),
    });
    return reply.code(201).send(created);
  });

  // The page a customer would see; here it only says how to continue.
  app.get<{ Params: { token: string } }>('/snap/v4/redirection/:token', (request) => {
    const orderId = ctx.engine.orderIdOf(request.params.token);
    if (orderId === undefined) {
      throw errors.notFound();
    }
    return {
      order_id: orderId,
      message: `Simulated Snap page. Choose a method with POST /_sim/transactions/${orderId}/choose, or pay with POST /_sim/transactions/${orderId}/pay.`,
    };
  });
  return Promise.resolve();
}
