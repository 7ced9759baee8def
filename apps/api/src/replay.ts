/**
 * Replay: repair a time window (or one order) through the same queue and state machine.
 *
 * What is in the window comes from two places, so it still works when the shop's database was
 * restored from a backup that predates the payments:
 *   - the notifications Lunas stored: the notification jobs Redis keeps (completed ones for
 *     COMPLETED_JOB_TTL_S, 24 hours by default, and at most the newest 100,000, so at 1,000/s
 *     about 100 s; failed ones until handled), by receipt time, of which one replay reads the
 *     newest REPLAY_MAX_STORED_JOBS per state; and the audit rows (core_payment_sync_logs) in
 *     the window (docs/decisions/0016-notification-retention.md);
 *   - the payment rows and orders of the window (created or updated in it).
 * Every payment found is then asked about with a fresh Get Status; nothing stored is trusted.
 *
 * The dry run asks Get Status itself and runs the state machine's pure decision
 * (decideTransition) over the row as it is: per payment from → to and the amounts, nothing
 * written. The real run enqueues one manual reconcile job per payment (the worker asks Get
 * Status and applies through applyMidtransStatus), and re-drives the stored notification jobs
 * of transactions that no payment row holds (a copy of the sealed job, under a new id: the
 * worker confirms it with Get Status as any notification). What already applied comes back
 * duplicate: a no-op.
 */
import { randomBytes } from 'node:crypto';
import {
  decideTransition,
  JOBS,
  manualReconcileJobId,
  mapMidtransStatus,
  RECONCILE_JOBS,
  RECONCILE_PRIORITY,
  REFUND_BRANCH_STATUSES,
  reconcileJobResultSchema,
  type NotificationJobData,
  type PaymentStatus,
  type ReconcileJobData,
} from '@lunas/core';
import type { Sql } from '@lunas/db';
import { reversalEvidence, toNotification, type MidtransClient } from '@lunas/midtrans';
import type { Job, Queue, QueueEvents } from 'bullmq';
import { z } from 'zod';

/** Most payments one replay handles; a larger window is refused (narrow it). */
export const REPLAY_MAX_PAYMENTS = 500;
/** Most stored notification jobs read from Redis per replay. */
export const REPLAY_MAX_STORED_JOBS = 20_000;

export interface ReplayDeps {
  readonly sql: Sql;
  readonly midtrans: MidtransClient;
  readonly notificationQueue: Queue;
  readonly reconcileQueue: Queue<ReconcileJobData>;
  readonly queueEvents: QueueEvents;
  readonly waitMs: number;
}

export interface ReplayInput {
  readonly from: Date;
  readonly to: Date;
  readonly orderCode?: string | undefined;
  readonly dryRun: boolean;
}

export const replayItemSchema = z.object({
  orderCode: z.string(),
  paymentId: z.string().nullable().meta({ description: 'null: no payment row holds it (restored database)' }),
  transactionId: z.string().nullable(),
  sources: z.array(z.enum(['payments', 'sync_logs', 'notifications'])),
  from: z.string().nullable(),
  to: z.string().nullable(),
  refundedFrom: z.string().nullable(),
  refundedTo: z.string().nullable(),
  grossAmount: z.string().nullable(),
  midtransStatus: z.string().nullable(),
  change: z
    .enum(['apply', 'none', 'stale', 'not_found', 'unknown_status', 'unavailable', 'order_missing', 'queued'])
    .meta({
      description:
        "apply: this transition would be (or was) applied; none: already applied (no-op); stale: Midtrans's answer is older than the row; not_found: Midtrans does not know it; unavailable: Get Status failed, try again; order_missing: no order row to apply to; queued: the job had not finished within the wait",
    }),
  jobId: z.string().nullable(),
});
export type ReplayItem = z.infer<typeof replayItemSchema>;

interface Candidate {
  orderCode: string;
  paymentId: string | null;
  transactionId: string | null;
  status: string | null;
  refunded: string | null;
  grossAmount: string | null;
  sources: Set<'payments' | 'sync_logs' | 'notifications'>;
  /** A stored notification job of this transaction (re-driven when no row holds it). */
  storedJob: Job<NotificationJobData> | null;
}

export class ReplayTooLarge extends Error {}

/** Which payments (and unbound transactions) the window holds. */
export async function collectCandidates(deps: ReplayDeps, input: ReplayInput): Promise<Candidate[]> {
  const { sql } = deps;
  const code = input.orderCode ?? null;
  const byPayment = new Map<string, Candidate>();
  const unbound = new Map<string, Candidate>();
  const rows = await sql<
    {
      payment_id: string;
      order_code: string;
      transaction_id: string | null;
      payment_status: string;
      refunded_amount: string;
      gross_amount: string | null;
      from_log: boolean;
    }[]
  >`
    WITH window_orders AS (
      SELECT o.id FROM orders o
      WHERE (${code}::text IS NULL OR o.order_code = ${code})
        AND (o.created_at BETWEEN ${input.from} AND ${input.to} OR o.updated_at BETWEEN ${input.from} AND ${input.to})
      UNION
      SELECT p.order_id FROM order_payments p JOIN orders o ON o.id = p.order_id
      WHERE (${code}::text IS NULL OR o.order_code = ${code})
        AND (p.created_at BETWEEN ${input.from} AND ${input.to} OR p.updated_at BETWEEN ${input.from} AND ${input.to})
    ), log_payments AS (
      SELECT DISTINCT l.payment_id FROM core_payment_sync_logs l
      WHERE l.payment_id IS NOT NULL AND l.created_at BETWEEN ${input.from} AND ${input.to}
        AND (${code}::text IS NULL OR l.order_code = ${code})
    )
    SELECT p.id::text AS payment_id, o.order_code, p.transaction_id, p.payment_status,
           p.refunded_amount::text AS refunded_amount, p.gross_amount::text AS gross_amount,
           p.id IN (SELECT payment_id FROM log_payments) AS from_log
    FROM order_payments p JOIN orders o ON o.id = p.order_id
    WHERE p.order_id IN (SELECT id FROM window_orders) OR p.id IN (SELECT payment_id FROM log_payments)
    ORDER BY p.id
    LIMIT ${REPLAY_MAX_PAYMENTS + 1}`;
  for (const row of rows) {
    byPayment.set(row.payment_id, {
      orderCode: row.order_code,
      paymentId: row.payment_id,
      transactionId: row.transaction_id,
      status: row.payment_status,
      refunded: row.refunded_amount,
      grossAmount: row.gross_amount,
      sources: new Set(row.from_log ? ['payments', 'sync_logs'] : ['payments']),
      storedJob: null,
    });
  }

  // The notifications Redis still holds, by receipt time.
  const jobs = (await deps.notificationQueue.getJobs(
    ['completed', 'failed', 'delayed', 'waiting', 'active'],
    0,
    REPLAY_MAX_STORED_JOBS - 1,
  )) as Job<NotificationJobData>[];
  const orderCodes = new Set<string>();
  for (const job of jobs) {
    if (!job?.data || typeof job.data.rawBody !== 'string') {
      continue;
    }
    const receivedAt = Date.parse(job.data.receivedAt);
    if (!(receivedAt >= input.from.getTime() && receivedAt <= input.to.getTime())) {
      continue;
    }
    let body: { order_id?: unknown; transaction_id?: unknown };
    try {
      body = JSON.parse(job.data.rawBody) as typeof body;
    } catch {
      continue;
    }
    if (typeof body.order_id !== 'string' || typeof body.transaction_id !== 'string') {
      continue;
    }
    if (code !== null && body.order_id !== code) {
      continue;
    }
    orderCodes.add(body.order_id);
    const held = [...byPayment.values()].find((c) => c.transactionId === body.transaction_id);
    if (held) {
      held.sources.add('notifications');
      continue;
    }
    if (!unbound.has(body.transaction_id)) {
      unbound.set(body.transaction_id, {
        orderCode: body.order_id,
        paymentId: null,
        transactionId: body.transaction_id,
        status: null,
        refunded: null,
        grossAmount: null,
        sources: new Set(['notifications']),
        storedJob: job,
      });
    }
  }
  // Rows of those orders (restored ones may be outside the window, or unbound).
  if (orderCodes.size > 0) {
    const more = await sql<
      {
        payment_id: string;
        order_code: string;
        transaction_id: string | null;
        payment_status: string;
        refunded_amount: string;
        gross_amount: string | null;
      }[]
    >`
      SELECT p.id::text AS payment_id, o.order_code, p.transaction_id, p.payment_status,
             p.refunded_amount::text AS refunded_amount, p.gross_amount::text AS gross_amount
      FROM order_payments p JOIN orders o ON o.id = p.order_id
      WHERE o.order_code IN ${sql([...orderCodes])}
      ORDER BY p.id`;
    for (const row of more) {
      const known = byPayment.get(row.payment_id);
      const bound = row.transaction_id ? unbound.get(row.transaction_id) : undefined;
      if (bound) {
        unbound.delete(row.transaction_id ?? '');
      }
      if (known) {
        if (bound) {
          known.sources.add('notifications');
        }
        continue;
      }
      byPayment.set(row.payment_id, {
        orderCode: row.order_code,
        paymentId: row.payment_id,
        transactionId: row.transaction_id,
        status: row.payment_status,
        refunded: row.refunded_amount,
        grossAmount: row.gross_amount,
        sources: new Set(['notifications']),
        storedJob: null,
      });
    }
  }
  const all = [...byPayment.values(), ...unbound.values()];
  if (all.length > REPLAY_MAX_PAYMENTS) {
    throw new ReplayTooLarge(
      `The window holds more than ${REPLAY_MAX_PAYMENTS} payments; narrow it (from/to or orderCode)`,
    );
  }
  return all;
}

function baseItem(c: Candidate): ReplayItem {
  return {
    orderCode: c.orderCode,
    paymentId: c.paymentId,
    transactionId: c.transactionId,
    sources: [...c.sources].sort(),
    from: c.status,
    to: c.status,
    refundedFrom: c.refunded,
    refundedTo: c.refunded,
    grossAmount: c.grossAmount,
    midtransStatus: null,
    change: 'none',
    jobId: null,
  };
}

/** What a fresh Get Status would do to one candidate; changes nothing. */
async function predict(deps: ReplayDeps, c: Candidate): Promise<ReplayItem> {
  const item = baseItem(c);
  // An unbound transaction is asked by its id; a row by its transaction id, else its order.
  const result = await deps.midtrans.getStatus(c.transactionId ?? c.orderCode, { priority: 'confirm' });
  if (result.kind === 'not_found') {
    return { ...item, change: 'not_found' };
  }
  if (result.kind !== 'found' && result.kind !== 'expired') {
    return { ...item, change: 'unavailable' };
  }
  const status = result.status;
  const incoming = mapMidtransStatus(status.transaction_status, status.fraud_status);
  const refundedTo =
    incoming && REFUND_BRANCH_STATUSES.has(incoming)
      ? (status.refund_amount ??
        (incoming === 'REFUNDED' || incoming === 'CHARGEBACK' ? status.gross_amount : '0'))
      : c.refunded;
  const observed = {
    ...item,
    transactionId: c.transactionId ?? status.transaction_id,
    grossAmount: item.grossAmount ?? status.gross_amount,
    midtransStatus: status.transaction_status,
  };
  if (!incoming) {
    return { ...observed, change: 'unknown_status' };
  }
  if (c.paymentId === null || c.status === null) {
    const order = await deps.sql<
      { id: string }[]
    >`SELECT id::text AS id FROM orders WHERE order_code = ${c.orderCode}`;
    return {
      ...observed,
      from: null,
      to: incoming,
      refundedFrom: null,
      refundedTo,
      change: order.length > 0 ? 'apply' : 'order_missing',
    };
  }
  const decision = decideTransition(
    { status: c.status as PaymentStatus, refundedAmount: c.refunded },
    { status: incoming, refundedAmount: refundedTo },
    reversalEvidence(toNotification(status)),
  );
  if (decision.kind === 'apply') {
    return { ...observed, to: decision.to, refundedTo, change: 'apply' };
  }
  return { ...observed, change: decision.kind === 'duplicate' ? 'none' : 'stale' };
}

export async function dryRun(deps: ReplayDeps, candidates: readonly Candidate[]): Promise<ReplayItem[]> {
  const items: ReplayItem[] = [];
  for (const c of candidates) {
    items.push(await predict(deps, c));
  }
  return items;
}

/** Enqueues the jobs, then waits (bounded) for their results. */
export async function runReplay(deps: ReplayDeps, candidates: readonly Candidate[]): Promise<ReplayItem[]> {
  const now = Date.now();
  const started: { item: ReplayItem; job: Job | null }[] = [];
  for (const c of candidates) {
    const item = baseItem(c);
    if (c.paymentId !== null) {
      const job = await deps.reconcileQueue.add(
        RECONCILE_JOBS.reconcilePayment,
        {
          paymentId: c.paymentId,
          orderCode: c.orderCode,
          syncType: 'manual',
          enqueuedAt: new Date(now).toISOString(),
        },
        {
          jobId: manualReconcileJobId(c.paymentId, now, randomBytes(4).toString('hex')),
          priority: RECONCILE_PRIORITY.manual,
          attempts: 3,
          backoff: { type: 'exponential', delay: 1_000 },
          removeOnComplete: { age: 3600 },
          removeOnFail: { age: 24 * 3600 },
        },
      );
      started.push({ item: { ...item, jobId: job.id ?? null, change: 'queued' }, job });
    } else if (c.storedJob) {
      // A copy of the stored, sealed job: the worker confirms it with Get Status.
      const jobId = `rpl-${now}-${randomBytes(6).toString('hex')}`;
      await deps.notificationQueue.add(
        JOBS.processNotification,
        {
          rawBody: c.storedJob.data.rawBody,
          receivedAt: c.storedJob.data.receivedAt,
          ...(c.storedJob.data.seal ? { seal: c.storedJob.data.seal } : {}),
        },
        {
          jobId,
          attempts: 5,
          backoff: { type: 'exponential', delay: 1_000 },
          removeOnComplete: { age: 24 * 3600 },
          removeOnFail: false,
        },
      );
      started.push({ item: { ...item, jobId, change: 'queued' }, job: null });
    }
  }
  const deadline = Date.now() + deps.waitMs;
  const items: ReplayItem[] = [];
  for (const { item, job } of started) {
    if (!job) {
      items.push(item);
      continue;
    }
    try {
      const left = Math.max(1, deadline - Date.now());
      const result = reconcileJobResultSchema.parse(await job.waitUntilFinished(deps.queueEvents, left));
      items.push({
        ...item,
        from: result.from,
        to: result.to,
        midtransStatus: result.midtransStatus,
        change:
          result.outcome === 'applied'
            ? 'apply'
            : result.outcome === 'not_found'
              ? 'not_found'
              : result.outcome === 'stale'
                ? 'stale'
                : 'none',
      });
    } catch {
      items.push(item);
    }
  }
  // The amounts as the rows now hold them.
  const ids = items.map((i) => i.paymentId).filter((id): id is string => id !== null);
  if (ids.length === 0) {
    return items;
  }
  const rows = await deps.sql<{ id: string; refunded: string; transaction_id: string | null }[]>`
    SELECT id::text AS id, refunded_amount::text AS refunded, transaction_id
    FROM order_payments WHERE id IN ${deps.sql(ids)}`;
  const byId = new Map(rows.map((r) => [r.id, r]));
  return items.map((i) => {
    const row = i.paymentId === null ? undefined : byId.get(i.paymentId);
    return row && i.change !== 'queued'
      ? { ...i, refundedTo: row.refunded, transactionId: i.transactionId ?? row.transaction_id }
      : i;
  });
}
