/**
 * buildApp assembles the Fastify instance from ready dependencies and never listens; main.ts
 * listens, tests use app.inject() or listen on port 0.
 */
import { QUEUES } from '@lunas/core';
import { createProducerRedis, type Logger, type Redis } from '@lunas/runtime';
import { Queue } from 'bullmq';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ApiConfig } from './config.js';
import { createEnqueue } from './enqueue.js';
import { registerErrorHandler } from './errors.js';
import { healthRoutes } from './routes/health.js';
import { webhookMidtransRoutes } from './routes/webhook-midtrans.js';

export interface ApiDeps {
  readonly redis: Redis;
  readonly notificationQueue: Queue;
  /** Closes what createApiDeps opened. */
  close(): Promise<void>;
}

export function createApiDeps(config: ApiConfig, logger: Logger): ApiDeps {
  const redis = createProducerRedis(config.REDIS_URL, logger);
  const notificationQueue = new Queue(QUEUES.notifications, { connection: redis, prefix: config.QUEUE_PREFIX });
  notificationQueue.on('error', (error) => logger.warn({ err: { message: error.message } }, 'queue error'));
  return {
    redis,
    notificationQueue,
    async close() {
      await notificationQueue.close().catch(() => undefined);
      redis.disconnect();
    },
  };
}

export async function buildApp(config: ApiConfig, deps: ApiDeps, logger: Logger): Promise<FastifyInstance> {
  // Typed as Fastify's logger so the instance keeps Fastify's default generics.
  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance,
    // Access logs belong to the proxy in front; per-request info lines halve ingest throughput.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.WEBHOOK_BODY_LIMIT,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestIdHeader: 'x-request-id',
    // A request must arrive whole within 15 s (Midtrans itself gives up after 15 s): slow,
    // trickling clients cannot hold sockets open for Node's default 5 minutes.
    requestTimeout: 15_000,
  });
  let shuttingDown = false;
  // Readiness goes to 503 as soon as close() starts, before in-flight requests drain.
  app.addHook('preClose', async () => {
    shuttingDown = true;
    await Promise.resolve();
  });
  app.addHook('onClose', async () => {
    await deps.close();
  });
  registerErrorHandler(app);

  await app.register(healthRoutes, {
    pingRedis: () => deps.redis.ping(),
    isShuttingDown: () => shuttingDown,
  });
  await app.register(webhookMidtransRoutes, {
    bodyLimit: config.WEBHOOK_BODY_LIMIT,
    ingest: {
      serverKey: config.MIDTRANS_SERVER_KEY,
      retryPolicy: {
        attempts: config.NOTIFICATION_ATTEMPTS,
        backoffMs: config.NOTIFICATION_BACKOFF_MS,
        keepCompletedSeconds: config.COMPLETED_JOB_TTL_S,
      },
      enqueue: createEnqueue(deps.notificationQueue, config.ENQUEUE_TIMEOUT_MS),
    },
  });
  return app;
}
