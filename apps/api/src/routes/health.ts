/**
 * GET /healthz: the process is up. GET /readyz: Redis answers and shutdown has not begun; a
 * load balancer stops sending traffic on 503.
 */
import { withTimeout } from '@lunas/core';
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';

export interface HealthRouteOptions {
  readonly pingRedis: () => Promise<unknown>;
  readonly isShuttingDown: () => boolean;
  readonly timeoutMs?: number;
}

export const healthRoutes: FastifyPluginCallback<HealthRouteOptions> = (app, options, done) => {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: the process is up',
        tags: ['health'],
        documented: { response: { 200: z.object({ status: z.literal('ok') }) } },
      },
    },
    (_request, reply) => reply.send({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: Redis answers and shutdown has not begun',
        tags: ['health'],
        documented: {
          response: {
            200: z.object({ status: z.literal('ready'), redis: z.literal('ok') }),
            503: z.object({
              status: z.enum(['shutting_down', 'unavailable']),
              redis: z.literal('unreachable').optional(),
            }),
          },
        },
      },
    },
    async (_request, reply) => {
      if (options.isShuttingDown()) {
        return reply.code(503).send({ status: 'shutting_down' });
      }
      try {
        await withTimeout(options.pingRedis(), options.timeoutMs ?? 1_000);
        return { status: 'ready', redis: 'ok' };
      } catch {
        return reply.code(503).send({ status: 'unavailable', redis: 'unreachable' });
      }
    },
  );
  done();
};
