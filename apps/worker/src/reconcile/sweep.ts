/**
 * The scheduled sweep (one job per RECONCILE_EVERY_MS tick, attempts 1: the next tick is the
 * retry). In order:
 *
 *   1. take the fleet-wide sweep lock, or skip this tick (the previous sweep still runs);
 *   2. re-drive dead-lettered notifications whose payment row exists now;
 *   3. skip the checks while the Midtrans circuit is open (they would only be paused);
 *   4. read due open payments page by page (keyset on next_check_at, id; bounded memory) and
 *      addBulk one reconcile job per payment, up to RECONCILE_MAX_PER_SWEEP.
 *
 * The job id of a check is the payment plus its due time, so a payment whose check is still
 * queued is not queued twice, and a sweep never walks past what the rate limit can serve
 * before the next tick (the default cap): a backlog stays in Postgres, not in Redis.
 */
import { RECONCILE_JOBS, RECONCILE_PRIORITY, reconcileJobId, type ReconcileJobData } from '@lunas/core';
import { findDuePayments, type DueCursor, type Sql } from '@lunas/db';
import type { CircuitBreaker } from '@lunas/midtrans';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { redriveDeadNotifications } from './redrive.js';
import type { SweepLock } from './sweep-lock.js';

export interface SweepDeps {
  readonly sql: Sql;
  readonly logger: Logger;
  readonly reconcileQueue: Queue<ReconcileJobData>;
  readonly notificationQueue: Queue;
  readonly lock: SweepLock;
  readonly circuit: CircuitBreaker;
  readonly pageSize: number;
  readonly maxPerSweep: number;
  readonly minAgeMs: number;
  readonly redriveLimit: number;
  /** Re-drives allowed per dead-lettered job. */
  readonly redriveMaxPerJob: number;
  readonly checkJob: { readonly attempts: number; readonly backoffMs: number };
  readonly now?: () => Date;
}

export interface SweepResult {
  readonly skipped: 'locked' | 'circuit_open' | null;
  readonly scheduled: number;
  readonly pages: number;
  readonly redriven: number;
  readonly ms: number;
}

export async function runSweep(deps: SweepDeps): Promise<SweepResult> {
  const started = Date.now();
  const now = (deps.now ?? (() => new Date()))();
  // 1. Lock.
  const token = await deps.lock.acquire();
  if (!token) {
    deps.logger.info('previous reconcile sweep still running; skipping this tick');
    return { skipped: 'locked', scheduled: 0, pages: 0, redriven: 0, ms: Date.now() - started };
  }
  try {
    // 2. Re-drive.
    const redriven = await redriveDeadNotifications({
      sql: deps.sql,
      notificationQueue: deps.notificationQueue,
      logger: deps.logger,
      limit: deps.redriveLimit,
      maxPerJob: deps.redriveMaxPerJob,
      midtransDown: async () => (await deps.circuit.openForMs()) > 0,
    });
    // 3. Circuit.
    const openForMs = await deps.circuit.openForMs();
    if (openForMs > 0) {
      deps.logger.warn({ openForMs }, 'Midtrans circuit open; reconcile sweep skips its checks this tick');
      return { skipped: 'circuit_open', scheduled: 0, pages: 0, redriven, ms: Date.now() - started };
    }
    // 4. Pages.
    let cursor: DueCursor | null = null;
    let scheduled = 0;
    let pages = 0;
    const enqueuedAt = now.toISOString();
    while (scheduled < deps.maxPerSweep) {
      const limit = Math.min(deps.pageSize, deps.maxPerSweep - scheduled);
      const rows = await findDuePayments(deps.sql, { now, minAgeMs: deps.minAgeMs, after: cursor, limit });
      if (rows.length === 0) {
        break;
      }
      pages += 1;
      await deps.reconcileQueue.addBulk(
        rows.map((row) => ({
          name: RECONCILE_JOBS.reconcilePayment,
          data: {
            paymentId: row.paymentId,
            orderCode: row.orderCode,
            syncType: 'reconcile' as const,
            enqueuedAt,
          },
          opts: {
            jobId: reconcileJobId(row.paymentId, Number(BigInt(row.dueUs) / 1000n)),
            priority: RECONCILE_PRIORITY.scheduled,
            attempts: deps.checkJob.attempts,
            backoff: { type: 'exponential', delay: deps.checkJob.backoffMs },
            removeOnComplete: { age: 3600, count: 10_000 },
            removeOnFail: { age: 24 * 3600, count: 10_000 },
          },
        })),
      );
      scheduled += rows.length;
      const last = rows[rows.length - 1];
      cursor = last ? { dueAt: last.dueAt, paymentId: last.paymentId } : null;
      if (rows.length < limit) {
        break;
      }
      if (!(await deps.lock.extend(token))) {
        deps.logger.warn('reconcile sweep lost its lock; stopping early');
        break;
      }
    }
    const result = { skipped: null, scheduled, pages, redriven, ms: Date.now() - started };
    deps.logger.info(result, 'reconcile sweep done');
    return result;
  } finally {
    await deps.lock.release(token);
  }
}
