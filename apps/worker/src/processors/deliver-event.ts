/**
 * Consumes payment.event.deliver jobs: POSTs one payment event to EVENTS_WEBHOOK_URL, signed
 * by the Standard Webhooks specification (the `standardwebhooks` package): webhook-id is the
 * event's stable id (evt_<id>, the same on every retry), webhook-timestamp the time of this
 * attempt, webhook-signature its signature. A 2xx is delivered; anything else, or a timeout,
 * throws so BullMQ retries with backoff. On the last attempt the event is marked exhausted
 * (the console lists it for re-delivery).
 *
 * Per order in order: a job is only ever queued for its order's oldest undelivered event (the
 * relay), and the processor checks it again before sending; once an event is delivered, the
 * order's next one is queued at once.
 */
import {
  deliveredEvent,
  eventDeliveryJobSchema,
  eventMessageId,
  type EventDeliveryJobData,
} from '@lunas/core';
import { getEvent, hasEarlierUndelivered, markAttemptFailed, markDelivered, type Sql } from '@lunas/db';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';

export interface DeliverEventDeps {
  readonly sql: Sql;
  readonly logger: Logger;
  readonly webhookUrl: string;
  /** whsec_…; never logged. */
  readonly secret: string;
  readonly timeoutMs: number;
  /** Queues the order's next undelivered event once this one is delivered. */
  readonly queueNext: (orderCode: string) => Promise<void>;
  readonly fetch?: typeof fetch;
}

export type DeliverEventResult =
  | { readonly result: 'delivered'; readonly status: number }
  | { readonly result: 'already_delivered' | 'gone' | 'not_head' };

export function createDeliverEventProcessor(deps: DeliverEventDeps) {
  const doFetch = deps.fetch ?? fetch;
  const signer = new Webhook(deps.secret);
  return async function deliverEvent(job: Job<EventDeliveryJobData>): Promise<DeliverEventResult> {
    const data = eventDeliveryJobSchema.safeParse(job.data);
    if (!data.success) {
      throw new UnrecoverableError('job data is not an event delivery');
    }
    const { eventId } = data.data;
    const event = await getEvent(deps.sql, eventId);
    if (!event) {
      return { result: 'gone' };
    }
    if (event.deliveredAt) {
      // A repeated job (the relay re-queued it, or a worker died after the 2xx was recorded).
      await deps.queueNext(event.orderCode);
      return { result: 'already_delivered' };
    }
    if (await hasEarlierUndelivered(deps.sql, event.orderCode, eventId)) {
      // An older event of this order goes first; the relay queues this one when its turn comes.
      await deps.sql`UPDATE payment_events SET relayed_at = NULL WHERE id = ${eventId}::bigint`;
      return { result: 'not_head' };
    }
    const body = JSON.stringify(deliveredEvent(event));
    const messageId = eventMessageId(event.id);
    const timestamp = new Date();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Lunas-Events/1',
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signer.sign(messageId, timestamp, body),
    };
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    let status: number;
    try {
      const response = await doFetch(deps.webhookUrl, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(deps.timeoutMs),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      const cause =
        (error as { cause?: { code?: string } }).cause?.code ??
        (error instanceof Error ? error.name : 'error');
      const message = `event webhook unreachable: ${cause}`;
      await markAttemptFailed(deps.sql, eventId, message, lastAttempt);
      throw new Error(message, { cause: error });
    }
    if (status >= 200 && status < 300) {
      await markDelivered(deps.sql, eventId);
      deps.logger.debug({ eventId, type: event.type, orderCode: event.orderCode }, 'payment event delivered');
      await deps.queueNext(event.orderCode);
      return { result: 'delivered', status };
    }
    const message = `event webhook answered ${status}`;
    await markAttemptFailed(deps.sql, eventId, message, lastAttempt);
    throw new Error(message);
  };
}
