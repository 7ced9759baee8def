/**
 * Payment events to the shop (docs/events.md): the relay and the delivery worker of one worker
 * process. startWorker() calls startEventDelivery(); it does nothing when EVENTS_WEBHOOK_URL is
 * unset (events are still written, and GET /events serves them).
 *
 * The relay (outbox → queue) is stateless: every EVENTS_RELAY_INTERVAL_MS it reads the oldest
 * undelivered event of each order from payment_events and adds one delivery job per such head,
 * with a job id derived from the event id, then notes relayed_at. A crash between the two adds
 * the same job again, which BullMQ refuses by its id; a job lost with Redis is added again
 * after EVENTS_RELAY_AGAIN_AFTER_MS. Only heads are queued, so an order's event N is never sent
 * before N−1 was delivered, whatever crashes; different orders flow in parallel. Every worker
 * process may run it at once.
 */
import { EVENT_JOBS, EVENT_QUEUES, eventDeliveryJobOptions, type EventDeliveryJobData } from '@lunas/core';
import {
  createSql,
  markRelayed,
  nextUndelivered,
  undeliveredHeads,
  type EventHead,
  type Sql,
} from '@lunas/db';
import { createWorkerRedis, type Logger } from '@lunas/runtime';
import { Queue, Worker } from 'bullmq';
import type { WorkerConfig } from '../config.js';
import { createDeliverEventProcessor, type DeliverEventResult } from '../processors/deliver-event.js';

/** Heads one relay pass reads at most. */
const RELAY_BATCH = 500;

export interface EventDeliveryHandle {
  readonly worker: Worker<EventDeliveryJobData, DeliverEventResult>;
  readonly queue: Queue<EventDeliveryJobData>;
  /** One relay pass now (tests, and after a re-delivery); resolves with the jobs added. */
  relayNow(): Promise<number>;
  close(): Promise<void>;
}

export function startEventDelivery(deps: {
  readonly config: WorkerConfig;
  readonly logger: Logger;
}): EventDeliveryHandle | null {
  const { config } = deps;
  if (!config.EVENTS_WEBHOOK_URL || !config.EVENTS_WEBHOOK_SECRET) {
    deps.logger.info(
      'payment event delivery off: EVENTS_WEBHOOK_URL is not set (GET /events still serves them)',
    );
    return null;
  }
  const logger = deps.logger.child({ component: 'events' });
  const sql = createSql({
    url: config.DATABASE_URL,
    applicationName: 'lunas-worker-events',
    max: config.EVENTS_DELIVERY_CONCURRENCY + 2,
    logger,
  });
  const queueRedis = createWorkerRedis(config.REDIS_URL, logger);
  const workerRedis = createWorkerRedis(config.REDIS_URL, logger);
  const queue = new Queue<EventDeliveryJobData>(EVENT_QUEUES.deliveries, {
    connection: queueRedis,
    prefix: config.QUEUE_PREFIX,
  });
  queue.on('error', (error) => logger.warn({ err: { message: error.message } }, 'event queue error'));
  const relay = startRelay({ config, logger, sql, queue });
  const worker = startDeliveryWorker({
    config,
    logger,
    sql,
    workerRedis,
    webhookUrl: config.EVENTS_WEBHOOK_URL,
    secret: config.EVENTS_WEBHOOK_SECRET,
    enqueue: relay.enqueue,
  });
  let closing: Promise<void> | null = null;
  return {
    worker,
    queue,
    relayNow: relay.relayNow,
    close() {
      closing ??= (async () => {
        await relay.stop();
        await worker.close();
        await queue.close();
        await sql.end({ timeout: 5 });
        workerRedis.disconnect();
        queueRedis.disconnect();
      })();
      return closing;
    },
  };
}

/** The relay: every EVENTS_RELAY_INTERVAL_MS, one job per order head not queued recently. */
function startRelay(deps: {
  readonly config: WorkerConfig;
  readonly logger: Logger;
  readonly sql: Sql;
  readonly queue: Queue<EventDeliveryJobData>;
}) {
  const { config, logger, sql, queue } = deps;
  const policy = { attempts: config.EVENTS_DELIVERY_ATTEMPTS, backoffMs: config.EVENTS_DELIVERY_BACKOFF_MS };
  const enqueue = async (heads: readonly EventHead[]): Promise<void> => {
    if (heads.length === 0) {
      return;
    }
    // Add first, then note it: a crash in between only repeats an add BullMQ refuses.
    await queue.addBulk(
      heads.map((head) => ({
        name: EVENT_JOBS.deliver,
        data: { eventId: head.id, orderCode: head.orderCode },
        opts: eventDeliveryJobOptions(head.id, policy),
      })),
    );
    await markRelayed(
      sql,
      heads.map((head) => head.id),
    );
  };
  let running: Promise<number> | null = null;
  const relayNow = (): Promise<number> => {
    running ??= (async () => {
      try {
        const heads = await undeliveredHeads(sql, {
          limit: RELAY_BATCH,
          relayAgainAfterMs: config.EVENTS_RELAY_AGAIN_AFTER_MS,
        });
        await enqueue(heads);
        return heads.length;
      } finally {
        running = null;
      }
    })();
    return running;
  };
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const tick = (): void => {
    relayNow()
      .catch((error: unknown) =>
        logger.warn(
          { err: { message: (error as Error).message } },
          'event relay pass failed; next pass retries',
        ),
      )
      .finally(() => {
        if (!stopped) {
          timer = setTimeout(tick, config.EVENTS_RELAY_INTERVAL_MS);
        }
      });
  };
  tick();
  return {
    enqueue,
    relayNow,
    async stop() {
      stopped = true;
      if (timer) {
        clearTimeout(timer);
      }
      await running?.catch(() => undefined);
    },
  };
}

/** The BullMQ worker that signs and POSTs each event (processors/deliver-event.ts). */
function startDeliveryWorker(deps: {
  readonly config: WorkerConfig;
  readonly logger: Logger;
  readonly sql: Sql;
  readonly workerRedis: ReturnType<typeof createWorkerRedis>;
  readonly webhookUrl: string;
  readonly secret: string;
  readonly enqueue: (heads: readonly EventHead[]) => Promise<void>;
}): Worker<EventDeliveryJobData, DeliverEventResult> {
  const { config, logger, sql } = deps;
  const processor = createDeliverEventProcessor({
    sql,
    logger,
    webhookUrl: deps.webhookUrl,
    secret: deps.secret,
    timeoutMs: config.EVENTS_WEBHOOK_TIMEOUT_MS,
    queueNext: async (orderCode) => {
      const next = await nextUndelivered(sql, orderCode);
      if (next) {
        await deps.enqueue([{ id: next, orderCode }]);
      }
    },
  });
  const worker = new Worker<EventDeliveryJobData, DeliverEventResult>(
    EVENT_QUEUES.deliveries,
    async (job) => {
      if (job.name !== EVENT_JOBS.deliver) {
        throw new Error(`unknown job name ${job.name}`);
      }
      return processor(job);
    },
    {
      connection: deps.workerRedis,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.EVENTS_DELIVERY_CONCURRENCY,
      lockDuration: Math.max(config.JOB_LOCK_MS, config.EVENTS_WEBHOOK_TIMEOUT_MS + 5_000),
      stalledInterval: config.STALLED_INTERVAL_MS,
      maxStalledCount: config.MAX_STALLED_COUNT,
    },
  );
  worker.on('error', (error) => logger.error({ err: { message: error.message } }, 'event worker error'));
  worker.on('failed', (job, error) => {
    if (!job) {
      return;
    }
    const fields = {
      jobId: job.id,
      eventId: job.data.eventId,
      attempt: job.attemptsMade,
      err: { message: error.message },
    };
    if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
      logger.error(fields, 'payment event delivery exhausted; re-deliver it from the console');
    } else {
      logger.debug(fields, 'payment event delivery failed; retrying with backoff');
    }
  });
  return worker;
}
