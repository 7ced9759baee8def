/**
 * The server side of `npm run bench:ingest`: the real API plus one trivial route and the
 * unbatched variant of the webhook on the same instance, the webhook with no queue at all, and
 * the webhook writing one plain XADD per request instead of a BullMQ job.
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
  // A lower bound on any durable write: one plain XADD of the same job data per request, on the
  // API's own Redis connection. Not a candidate (no job id to refuse a redelivery, no BullMQ
  // states): it shows what a cheaper insert than BullMQ's add script could at best buy.
  const stream = `${config.QUEUE_PREFIX}:bench-xadd`;
  await app.register(webhookMidtransRoutes, {
    prefix: '/bench/xadd',
    bodyLimit: config.WEBHOOK_BODY_LIMIT,
    ingest: {
      serverKey: config.MIDTRANS_SERVER_KEY,
      retryPolicy: BENCH_RETRY_POLICY,
      enqueue: async (data, opts) => {
        await deps.redis.xadd(stream, '*', 'id', opts.jobId, 'data', JSON.stringify(data));
      },
    },
  });
});
