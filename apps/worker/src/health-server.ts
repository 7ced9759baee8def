/**
 * A worker has no HTTP API, but orchestrators need to ask it whether it is alive. This tiny
 * server answers GET /healthz (the process runs and has not begun shutting down) and
 * GET /readyz (Redis and Postgres answer). Bound to METRICS_PORT; 0 turns it off.
 *
 * The same port serves GET /metrics (Prometheus text): the worker's "METRICS_PORT" is
 * METRICS_PORT, one port to open in the pod spec and one scrape target per process.
 */
import { createServer, type Server } from 'node:http';
import { withTimeout } from '@lunas/core';
import { METRICS_CONTENT_TYPE } from '@lunas/runtime';

export interface HealthChecks {
  readonly isClosing: () => boolean;
  readonly pingRedis: () => Promise<unknown>;
  readonly pingPostgres: () => Promise<unknown>;
  /** Renders the Prometheus exposition text; absent: /metrics answers 404. */
  readonly metrics?: () => Promise<string>;
}

export async function startHealthServer(port: number, host: string, checks: HealthChecks): Promise<Server> {
  const server = createServer((request, response) => {
    const send = (status: number, body: object): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (request.method !== 'GET') {
      send(405, { error: 'method not allowed' });
      return;
    }
    if (request.url === '/healthz') {
      send(checks.isClosing() ? 503 : 200, { status: checks.isClosing() ? 'shutting_down' : 'ok' });
      return;
    }
    if (request.url === '/readyz') {
      if (checks.isClosing()) {
        send(503, { status: 'shutting_down' });
        return;
      }
      Promise.all([withTimeout(checks.pingRedis(), 1_000), withTimeout(checks.pingPostgres(), 1_000)]).then(
        () => send(200, { status: 'ready' }),
        () => send(503, { status: 'unavailable' }),
      );
      return;
    }
    if (request.url === '/metrics' && checks.metrics) {
      checks.metrics().then(
        (text) => response.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(text),
        () => send(500, { error: 'metrics unavailable' }),
      );
      return;
    }
    send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
