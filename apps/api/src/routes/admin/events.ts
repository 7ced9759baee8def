/**
 * GET /admin/events: the console's live feed, as Server-Sent Events.
 *
 * Each stream is a listener on this process's one Redis subscriber (runtime/events.ts), so a
 * payment decided by any worker reaches every console on every API process. A comment line
 * every heartbeatMs keeps proxies from closing an idle stream. A stream ends when the client
 * goes away or the app closes (preClose, before Fastify waits for connections to drain).
 */
import type { FastifyPluginCallback } from 'fastify';
import { ADMIN_BASE_HEADERS } from '../../plugins/security-headers.js';
import { ADMIN_SECURITY } from '../../openapi.js';

export interface EventsRouteOptions {
  readonly heartbeatMs: number;
}

export const eventsRoute: FastifyPluginCallback<EventsRouteOptions> = (app, options, done) => {
  const { subscriber, metrics } = app;
  const open = new Set<() => void>();
  app.addHook('preClose', (next) => {
    for (const end of open) {
      end();
    }
    next();
  });

  app.get(
    '/events',
    {
      schema: {
        summary: 'The console’s live feed of payment events (Server-Sent Events)',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        produces: ['text/event-stream'],
      },
    },
    (request, reply) => {
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        ...ADMIN_BASE_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // nginx: do not buffer the stream.
        'x-accel-buffering': 'no',
      });
      response.write(`retry: 3000\n: connected\n\n`);
      const unsubscribe = subscriber.subscribe((event) => {
        response.write(`event: payment\ndata: ${JSON.stringify(event)}\n\n`);
      });
      const heartbeat = setInterval(() => response.write(`: heartbeat\n\n`), options.heartbeatMs);
      metrics.sseClients.inc();
      let ended = false;
      const end = (): void => {
        if (ended) {
          return;
        }
        ended = true;
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
        metrics.sseClients.dec();
        response.end();
      };
      open.add(end);
      request.raw.on('close', end);
      response.on('error', end);
    },
  );
  done();
};
