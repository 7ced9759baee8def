/**
 * The scheduled sweep (one job per RECONCILE_EVERY_MS tick, attempts 1: the next tick is the
 * retry). One sweep runs at a time across the fleet: the sweep queue's global concurrency is 1
 * (BullMQ's setGlobalConcurrency, set by every worker at start), so a sweep longer than the
 * interval makes the next tick's job wait instead of overlapping it. In order:
 *
 *   1. re-drive dead-lettered notifications whose payment row exists now;
 *   2. skip the checks while the Midtrans circuit is open (they would only be paused);
 *   3. read due open payments page by page (keyset on next_check_at, id; bounded memory) and
 *      addBulk one reconcile job per payment, up to RECONCILE_MAX_PER_SWEEP.
 *
 * The job id of a check is the payment plus its due time, so a payment whose check is still
 * queued is not queued twice, and a sweep never walks past what the rate limit can serve
 * before the next tick (the default cap): a backlog stays in Postgres, not in Redis.
 */
import {
  RECONCILE_JOBS,
  reconcileCheckJobOptions,
  reconcileJobId,
  type ReconcileCheckPolicy,
  type ReconcileJobData,
} from '@lunas/core';
import { findDuePayments, type DueCursor, type Sql } from '@lunas/db';
import type { CircuitBreaker } from '@lunas/midtrans';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { redriveDeadNotifications } from '../reconcile/redrive.js';

export interface SweepDeps {
  readonly sql: Sql;
  readonly logger: Logger;
  readonly reconcileQueue: Queue<ReconcileJobData>;
  readonly notificationQueue: Queue;
  readonly circuit: CircuitBreaker;
  readonly pageSize: number;
  readonly maxPerSweep: number;
  readonly minAgeMs: number;
  readonly redriveLimit: number;
  /** Re-drives allowed per dead-lettered job. */
  readonly redriveMaxPerJob: number;
  readonly checkJob: ReconcileCheckPolicy;
  readonly now?: () => Date;
}

export interface SweepResult {
  readonly skipped: 'circuit_open' | null;
  readonly scheduled: number;
  readonly pages: number;
  readonly redriven: number;
  readonly ms: number;
}

export async function runSweep(deps: SweepDeps): Promise<SweepResult> {
  const started = Date.now();
  const now = (deps.now ?? (() => new Date()))();
  // 1. Re-drive.
  const redriven = await redriveDeadNotifications({
    sql: deps.sql,
    notificationQueue: deps.notificationQueue,
    logger: deps.logger,
    limit: deps.redriveLimit,
    maxPerJob: deps.redriveMaxPerJob,
    midtransDown: async () => (await deps.circuit.openForMs()) > 0,
  });
  // 2. Circuit.
  const openForMs = await deps.circuit.openForMs();
  if (openForMs > 0) {
    deps.logger.warn({ openForMs }, 'Midtrans circuit open; reconcile sweep skips its checks this tick');
    return { skipped: 'circuit_open', scheduled: 0, pages: 0, redriven, ms: Date.now() - started };
  }
  // 3. Pages.
  const { scheduled, pages } = await scheduleDueChecks(deps, now);
  const result = { skipped: null, scheduled, pages, redriven, ms: Date.now() - started };
  deps.logger.info(result, 'reconcile sweep done');
  return result;
}

/** Reads due payments page by page and queues one check each, up to maxPerSweep. */
async function scheduleDueChecks(deps: SweepDeps, now: Date): Promise<{ scheduled: number; pages: number }> {
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
        opts: reconcileCheckJobOptions(
          reconcileJobId(row.paymentId, Number(BigInt(row.dueUs) / 1000n)),
          deps.checkJob,
        ),
      })),
    );
    scheduled += rows.length;
    const last = rows[rows.length - 1];
    cursor = last ? { dueAt: last.dueAt, paymentId: last.paymentId } : null;
    if (rows.length < limit) {
      break;
    }
  }
  return { scheduled, pages };
}
