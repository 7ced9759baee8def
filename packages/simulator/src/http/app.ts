/**
 * Assembles the simulator's Fastify app; never listens (the caller does). Core and Snap routes
 * sit in their own encapsulated contexts so Basic auth and Snap's error shape stay there.
 */
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { isMidtransApiError } from '../engine/errors.js';
import { registerBodyParsers } from './body-parsers.js';
import type { RouteContext } from './context.js';
import { controlRoutes } from './control-routes.js';
import { coreRoutes } from './core-routes.js';
import { snapRoutes } from './snap-routes.js';

export function buildSimulatorApp(ctx: RouteContext, logger: Logger): FastifyInstance {
  // Typed as Fastify's base logger so the app is a plain FastifyInstance for callers.
  const baseLogger: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance: baseLogger,
  });
  registerBodyParsers(app);

  app.setErrorHandler((error, request, reply) => {
    if (isMidtransApiError(error)) {
      // An unknown id may be answered 200 with a "404" body (CompatOptions.notFoundHttpStatus).
      const status =
        error.statusCode === 404 && request.url.startsWith('/v2/')
          ? ctx.compat.notFoundHttpStatus
          : error.statusCode;
      return reply.code(status).send(error.body);
    }
    const status =
      typeof (error as { statusCode?: unknown }).statusCode === 'number'
        ? (error as { statusCode: number }).statusCode
        : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'simulator route failed');
    }
    return reply.code(status).send({
      status_code: String(status),
      status_message: status >= 500 ? 'Internal error (simulator).' : (error as Error).message,
    });
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ status_code: '404', status_message: 'The requested resource is not found' }),
  );

  // Per-request access logs only at debug: at info they would drown the delivery log.
  const logLevel = logger.isLevelEnabled('debug') ? 'debug' : 'warn';
  void app.register(coreRoutes, { ...ctx, logLevel });
  void app.register(snapRoutes, { ...ctx, logLevel });
  void app.register(controlRoutes, { ...ctx, prefix: '/_sim', logLevel });
  return app;
}
