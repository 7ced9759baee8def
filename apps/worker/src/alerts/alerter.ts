/**
 * Raising an alert: queue its delivery as a BullMQ job, deduplicated by BullMQ itself.
 *
 * The job's deduplication id names the cause and a hash of its key (one order, one job, …),
 * with a TTL of ALERT_DEDUPE_TTL_S: the first process to see a cause queues the delivery, and
 * every other sighting in the window is refused by BullMQ in the same Redis script (counted as
 * deduplicated). Many workers, one message. A failed add queues nothing and holds no key, so the
 * next sighting tries again. Delivery retries with exponential backoff (deliver-alert.ts).
 *
 * With no ALERT_WEBHOOK_URL, alerts are only logged (at error) and counted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ALERT_JOBS, alertJobOptions, type AlertJobData } from '@lunas/core';
import type { LunasMetrics } from '@lunas/runtime';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { AlertDraft } from './alert-rules.js';

export interface Alerter {
  /** Resolves true when this call queued the alert, false when it was a duplicate or off. */
  raise(draft: AlertDraft): Promise<boolean>;
}

export interface AlerterDeps {
  /** null: no ALERT_WEBHOOK_URL, log only. */
  readonly queue: Queue<AlertJobData> | null;
  readonly dedupeTtlS: number;
  readonly logger: Logger;
  readonly metrics: LunasMetrics;
  readonly now?: () => Date;
}

/** The deduplication id of an alert: its cause and a hash of its key (keys may be long). */
export function alertDedupeId(draft: Pick<AlertDraft, 'cause' | 'key'>): string {
  return `alert-${draft.cause}-${createHash('sha256').update(draft.key).digest('hex').slice(0, 32)}`;
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
      const at = now();
      const dedupeId = alertDedupeId(draft);
      // The job id is unique per raise; BullMQ answers a refused duplicate with the job that
      // holds the window, so a different id means this sighting was deduplicated.
      const jobId = `${dedupeId}-${at.getTime()}-${randomBytes(4).toString('hex')}`;
      const job = await deps.queue.add(
        ALERT_JOBS.deliver,
        { cause: draft.cause, key: draft.key, text: draft.text, raisedAt: at.toISOString() },
        alertJobOptions({ jobId, dedupeId, dedupeTtlS: deps.dedupeTtlS }),
      );
      if (job.id !== jobId) {
        deps.metrics.alerts.inc({ cause: draft.cause, result: 'deduplicated' });
        return false;
      }
      deps.metrics.alerts.inc({ cause: draft.cause, result: 'raised' });
      return true;
    },
  };
}

/** Fire-and-forget raising for hooks that must never fail a payment job: errors are logged. */
export function raiseQuietly(alerter: Alerter, logger: Logger): (draft: AlertDraft) => void {
  return (draft) => {
    alerter
      .raise(draft)
      .catch((error: unknown) =>
        logger.warn(
          { err: error, alert: draft.cause },
          'alert could not be queued; the next sighting retries',
        ),
      );
  };
}
