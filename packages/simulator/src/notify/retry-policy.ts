/**
 * Midtrans's notification retry rules (docs/midtrans.md, "Delivery and retries"): how many retries
 * each answer earns, and when they happen.
 */
import type { Random } from '../faults/prng.js';

/** Delay before retry n (1-based) after the previous failure, in minutes. */
export const RETRY_INTERVALS_MINUTES = Object.freeze([2, 10, 30, 90, 210] as const);

/** The result of one delivery attempt. */
export type AttemptOutcome = { kind: 'response'; status: number } | { kind: 'error'; error: string };

export function isDelivered(outcome: AttemptOutcome): boolean {
  return outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300;
}

/**
 * Retries earned by an answer: 500 → 1, 503 → 4, 400/404 → 2, 301/302/303 → none; any other
 * status, a timeout or a connection error → 5. 307/308 never reach here: they are followed
 * (up to 5 hops) and the final answer counts.
 */
export function retriesFor(outcome: AttemptOutcome): number {
  if (outcome.kind === 'error') {
    return 5;
  }
  const { status } = outcome;
  if (status >= 200 && status < 300) {
    return 0;
  }
  switch (status) {
    case 500:
      return 1;
    case 503:
      return 4;
    case 400:
    case 404:
      return 2;
    case 301:
    case 302:
    case 303:
      return 0;
    default:
      return 5;
  }
}

/**
 * Real milliseconds to wait before retry n (1-based). Midtrans shifts each retry randomly
 * "within the interval" (its example: the first retry 33 s after the failure, at most 2 min).
 * We read that as delay = interval × (1 − jitter × u), u uniform in [0, 1): jitter 1 (the
 * default) spreads over the whole interval, jitter 0 waits exactly the interval.
 */
export function retryDelayMs(retry: number, timeScale: number, jitter: number, random: Random): number {
  const minutes = RETRY_INTERVALS_MINUTES[Math.min(retry, RETRY_INTERVALS_MINUTES.length) - 1] ?? 2;
  const intervalMs = minutes * 60_000 * timeScale;
  return Math.max(0, intervalMs * (1 - jitter * random()));
}
