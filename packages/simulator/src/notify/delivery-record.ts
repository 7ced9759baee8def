/** One line of a transaction's notification delivery history. */
import type { StatusPayload } from '../engine/types.js';
import type { FaultName } from '../faults/fault-spec.js';

export type DeliveryOutcome = 'delivered' | 'retry-scheduled' | 'gave-up' | 'dropped';

export interface DeliveryRecord {
  /** Shared by both copies of a duplicated notification. */
  notificationId: string;
  /** 1, or 2 for the second copy of a duplicated notification. */
  copy: number;
  transactionId: string;
  orderId: string;
  transactionStatus: string;
  url: string;
  /** 1 for the first attempt; 0 for a dropped notification, which is never sent. */
  attempt: number;
  /** ISO-8601 time the attempt started. */
  at: string;
  durationMs: number;
  /** The final HTTP status, after any 307/308 hops. */
  httpStatus?: number;
  /** Timeout or connection error, when there was no HTTP answer. */
  error?: string;
  redirects?: string[];
  outcome: DeliveryOutcome;
  /** Real ms until the next attempt, when one is scheduled. */
  nextAttemptInMs?: number;
  faults: FaultName[];
  /** The exact body sent. */
  body: StatusPayload;
}
