import type { WorkerConfig } from '../config.js';
import type { PaidWatch } from '../sync/apply-status.js';

/** The paid-payment watch from the worker's config (the cadence's first step comes first). */
export function paidWatchOf(config: WorkerConfig): PaidWatch {
  return {
    forMs: config.RECONCILE_PAID_WATCH_MS,
    firstCheckAfterMs: config.RECONCILE_CADENCE_MS[0] ?? 60_000,
  };
}
