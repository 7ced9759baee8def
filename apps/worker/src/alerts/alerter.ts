/**
 * Raising an alert: deduplicate, then queue its delivery.
 *
 *   1. SET NX on `${prefix}:alerts:sent:${cause}:${hash(key)}` with a TTL: the first process to
 *      see a cause (for one order, one job, …) wins; every other sighting in the window is
 *      counted and dropped. Many workers, one message.
 *   2. queue the delivery as a BullMQ job (retries with exponential backoff). If queueing
 *      fails the dedupe key is released, so the next sighting tries again.
 *
 * With no ALERT_WEBHOOK_URL, alerts are only logged (at error) and counted.
 */
import { createHash } from 'node:crypto';
import { ALERT_JOBS, ALERT_RETRY_DEFAULTS, type AlertJobData } from '@lunas/core';
import type { LunasMetrics, Redis } from '@lunas/runtime';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { AlertDraft } from './alert-rules.js';

export interface Alerter {
  /** Resolves true when this call queued the alert, false when it was a duplicate or off. */
  raise(draft: AlertDraft): Promise<boolean>;
}

export interface AlerterDeps {
  readonly redis: Redis;
  readonly prefix: string;
  /** null: no ALERT_WEBHOOK_URL, log only. */
  readonly queue: Queue<AlertJobData> | null;
  readonly dedupeTtlS: number;
  readonly logger: Logger;
  readonly metrics: LunasMetrics;
  readonly now?: () => Date;
}

export function alertDedupeKey(prefix: string, draft: Pick<AlertDraft, 'cause' | 'key'>): string {
  return `${prefix}:alerts:sent:${draft.cause}:${createHash('sha256').update(draft.key).digest('hex').slice(0, 32)}`;
}

export function createAlerter(deps: AlerterDeps): Alerter {
  const now = deps.now ?? (() => new Date());
  return {
    async raise(draft) {
      deps.logger.error({ alert: draft.cause, alertKey: draft.key }, draft.text);
      if (!deps.queue) {
        deps.metrics.alerts.inc({ cause: draft.cause, result: 'not_configured' });
        return false;
      }
      // 1. Deduplicate.
      const dedupeKey = alertDedupeKey(deps.prefix, draft);
      const first = await deps.redis.set(dedupeKey, now().toISOString(), 'EX', deps.dedupeTtlS, 'NX');
      if (first !== 'OK') {
        deps.metrics.alerts.inc({ cause: draft.cause, result: 'deduplicated' });
        return false;
      }
      // 2. Queue the delivery. The job id names the cause and key: two causes raised in the same
      // millisecond must not collapse into one job.
      try {
        await deps.queue.add(
          ALERT_JOBS.deliver,
          { cause: draft.cause, key: draft.key, text: draft.text, raisedAt: now().toISOString() },
          {
            jobId: `alert-${draft.cause}-${dedupeKey.slice(dedupeKey.lastIndexOf(':') + 1)}-${now().getTime()}`,
            attempts: ALERT_RETRY_DEFAULTS.attempts,
            backoff: { type: 'exponential', delay: ALERT_RETRY_DEFAULTS.backoffMs },
            removeOnComplete: { age: 7 * 24 * 3600 },
            removeOnFail: { age: 30 * 24 * 3600 },
          },
        );
      } catch (error) {
        await deps.redis.del(dedupeKey).catch(() => undefined);
        throw error;
      }
      deps.metrics.alerts.inc({ cause: draft.cause, result: 'raised' });
      return true;
    },
  };
}
