/**
 * The server side of `npm run bench:ingest-replicas`: the real API (with the environment's
 * ENQUEUE_MIN_REPLICAS, normally 0) plus the same webhook route whose enqueue waits for one
 * replica (ENQUEUE_MIN_REPLICAS=1), on the same instance.
 */
import { createEnqueue, webhookMidtransRoutes } from '@lunas/api';
import { BENCH_RETRY_POLICY, serveBenchApi } from './bench-api.js';

await serveBenchApi(async (app, deps, config) => {
  await app.register(webhookMidtransRoutes, {
    prefix: '/bench/replicas',
    bodyLimit: config.WEBHOOK_BODY_LIMIT,
    ingest: {
      serverKey: config.MIDTRANS_SERVER_KEY,
      retryPolicy: BENCH_RETRY_POLICY,
      enqueue: createEnqueue(deps.notificationQueue, config.ENQUEUE_TIMEOUT_MS, 200, deps.redis, {
        minReplicas: 1,
        redis: deps.redis,
      }),
    },
  });
});
