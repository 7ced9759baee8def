/**
 * The payment event bus: workers publish every decided payment result on a Redis pub/sub
 * channel, and each API process fans it out to its open console streams. Pub/sub (not a
 * stream) on purpose: the feed is live-only, a console that reconnects reloads its tables, and
 * no process has to trim history. Any number of API and worker processes share one channel
 * per QUEUE_PREFIX.
 *
 * An event carries what the console shows (order code, statuses, outcome), never a payload,
 * an amount from Midtrans or a signature.
 */
import { MISMATCH_KINDS, SYNC_OUTCOMES, type RedisTarget } from '@lunas/core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { connectRedis } from './redis.js';

export const paymentEventSchema = z.object({
  type: z.literal('payment.result'),
  orderCode: z.string(),
  paymentId: z.string().nullable(),
  outcome: z.enum(SYNC_OUTCOMES),
  from: z.string(),
  to: z.string().nullable(),
  reversal: z.boolean(),
  /** The mismatch ledger entry the result put the payment on, if any. */
  mismatch: z.enum(MISMATCH_KINDS).nullable().optional(),
  /** ISO time the worker decided. */
  at: z.string(),
});
export type PaymentEvent = z.infer<typeof paymentEventSchema>;

export function paymentEventsChannel(queuePrefix: string): string {
  return `${queuePrefix}:events:payments`;
}

export interface PaymentEventPublisher {
  /** Fire and forget: a lost live event is repaired by the console's next reload. */
  publish(event: PaymentEvent): void;
}

export function createPaymentEventPublisher(
  redis: Redis,
  queuePrefix: string,
  logger: Logger,
): PaymentEventPublisher {
  const channel = paymentEventsChannel(queuePrefix);
  return {
    publish(event) {
      redis.publish(channel, JSON.stringify(event)).catch((error: unknown) => {
        logger.debug(
          { err: { message: error instanceof Error ? error.message : String(error) } },
          'payment event not published',
        );
      });
    },
  };
}

export type PaymentEventListener = (event: PaymentEvent) => void;

export interface PaymentEventSubscriber {
  /** Adds a listener; returns its removal. */
  subscribe(listener: PaymentEventListener): () => void;
  readonly listenerCount: number;
  /** Resolves once Redis has confirmed the SUBSCRIBE (tests wait on it). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One dedicated subscriber connection per process (a connection in subscriber mode can run no
 * other command), shared by every listener. ioredis re-subscribes by itself after a reconnect.
 */
export function createPaymentEventSubscriber(
  target: RedisTarget | string,
  queuePrefix: string,
  logger: Logger,
): PaymentEventSubscriber {
  const channel = paymentEventsChannel(queuePrefix);
  const redis = connectRedis(target, 'subscriber');
  redis.on('error', (error: Error) =>
    logger.debug({ err: { message: error.message } }, 'event subscriber connection error'),
  );
  const listeners = new Set<PaymentEventListener>();
  const subscribed = redis.subscribe(channel).then(() => undefined);
  subscribed.catch((error: unknown) => logger.warn({ err: error }, 'event subscription failed'));
  redis.on('message', (received: string, message: string) => {
    if (received !== channel) {
      return;
    }
    let parsed: PaymentEvent;
    try {
      parsed = paymentEventSchema.parse(JSON.parse(message));
    } catch {
      logger.warn('ignored a malformed payment event');
      return;
    }
    for (const listener of listeners) {
      listener(parsed);
    }
  });
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get listenerCount() {
      return listeners.size;
    },
    ready: () => subscribed,
    async close() {
      listeners.clear();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
