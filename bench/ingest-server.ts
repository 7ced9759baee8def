/**
 * The server side of `npm run bench:ingest`: the real API plus one trivial route and the
 * unbatched variant of the webhook on the same instance, and the webhook with no queue at all.
 */
import { createEnqueue, webhookMidtransRoutes } from '@lunas/api';
import { BENCH_RETRY_POLICY, serveBenchApi } from './bench-api.js';

await serveBenchApi(async (app, deps, config) => {
  // The baseline: parse a small JSON body and answer, nothing else.
  app.post('/bench/trivial', (_request, reply) => reply.send({ ok: true }));
  // The variant without batching (a batch of one job per request, like a plain queue.add), to
  // measure what decision 0003 buys.
  await app.register(webhookMidtransRoutes, {
    prefix: '/bench/unbatched',
    bodyLimit: config.WEBHOOK_BODY_LIMIT,
    ingest: {
      serverKey: config.MIDTRANS_SERVER_KEY,
      retryPolicy: BENCH_RETRY_POLICY,
      enqueue: createEnqueue(deps.notificationQueue, config.ENQUEUE_TIMEOUT_MS, 1, deps.redis),
    },
  });
  // The webhook's own work without the queue (parse, verify, seal, answer; the job is dropped):
  // what Lunas's code costs per request, apart from BullMQ, ioredis and Redis.
  await app.register(webhookMidtransRoutes, {
    prefix: '/bench/no-queue',
    bodyLimit: config.WEBHOOK_BODY_LIMIT,
    ingest: {
      serverKey: config.MIDTRANS_SERVER_KEY,
      retryPolicy: BENCH_RETRY_POLICY,
      enqueue: () => Promise.resolve(),
    },
  });
});
