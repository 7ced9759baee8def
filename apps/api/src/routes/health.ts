/**
 * GET /healthz: the process is up. GET /readyz: Redis answers and shutdown has not begun; a
 * load balancer stops sending traffic on 503.
 */
import { withTimeout } from '@lunas/core';
import type { FastifyPluginCallback } from 'fastify';

export interface HealthRouteOptions {
  readonly pingRedis: () => Promise<unknown>;
  readonly isShuttingDown: () => boolean;
  readonly timeoutMs?: number;
}

export const healthRoutes: FastifyPluginCallback<HealthRouteOptions> = (app, options, done) => {
  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (options.isShuttingDown()) {
      return reply.code(503).send({ status: 'shutting_down' });
    }
    try {
      await withTimeout(options.pingRedis(), options.timeoutMs ?? 1_000);
      return { status: 'ready', redis: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', redis: 'unreachable' });
    }
  });
  done();
};
