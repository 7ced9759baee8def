/**
 * API metrics: GET /metrics (apiMetrics, at the root), and the webhook answers by outcome
 * (webhookMetrics: from the status code, in onResponse, so the route stays untouched; it is
 * registered inside the webhook's own context, so it counts that route and nothing else).
 *
 * /metrics is not behind the admin token: Prometheus scrapes it like any target, and every
 * label is a bounded enum (no order code, amount or job id). In production expose it only to
 * the scraper (network policy, or block /metrics at the ingress); see docs/operations.md.
 */
import { METRICS_CONTENT_TYPE, type LunasMetrics } from '@lunas/runtime';
import type { FastifyPluginCallback } from 'fastify';
import fp from 'fastify-plugin';

const WEBHOOK_OUTCOMES: Record<number, string> = {
  200: 'queued',
  400: 'bad_request',
  401: 'bad_signature',
  413: 'too_large',
  415: 'unsupported_media',
  503: 'unavailable',
};

const webhookMetricsPlugin: FastifyPluginCallback<{ readonly metrics: LunasMetrics }> = (
  app,
  options,
  done,
) => {
  app.addHook('onResponse', (_request, reply, next) => {
    options.metrics.webhookRequests.inc({
      outcome: WEBHOOK_OUTCOMES[reply.statusCode] ?? `http_${reply.statusCode}`,
    });
    next();
  });
  done();
};

/** Counts every answer of the context it is registered in (the webhook's). */
export const webhookMetrics = fp(webhookMetricsPlugin, { name: 'lunas-webhook-metrics' });

const metricsPlugin: FastifyPluginCallback<{ readonly metrics: LunasMetrics }> = (app, options, done) => {
  const { metrics } = options;
  app.get('/metrics', async (_request, reply) =>
    reply.type(METRICS_CONTENT_TYPE).send(await metrics.render()),
  );
  done();
};

export const apiMetrics = fp(metricsPlugin, { name: 'lunas-api-metrics' });

/** Wraps an enqueue function to time it into lunas_enqueue_duration_seconds{result}. */
export function timedEnqueue<A extends unknown[]>(
  enqueue: (...args: A) => Promise<void>,
  metrics: LunasMetrics,
): (...args: A) => Promise<void> {
  return async (...args) => {
    const end = metrics.enqueueDuration.startTimer();
    try {
      await enqueue(...args);
      end({ result: 'acknowledged' });
    } catch (error) {
      end({ result: 'failed' });
      throw error;
    }
  };
}
