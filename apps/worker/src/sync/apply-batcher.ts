/**
 * Many jobs, few transactions. The notification worker runs WORKER_CONCURRENCY jobs at once;
 * each reads its order, asks Midtrans, then applies. Instead of a transaction (and a commit)
 * per job, the jobs that are ready within NOTIFICATION_BATCH_WAIT_MS share one, up to
 * NOTIFICATION_BATCH_MAX (DataLoader collects them; nothing is cached). Each job still gets its
 * own outcome: its own result, or its own error, and BullMQ retries only that job.
 *
 * When a batch fails as a whole (a database error, a lock timeout, a row that moved), nothing
 * of it was written, and each of its items is tried alone, in its own transaction: one poison
 * notification then fails only its own job.
 */
import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import {
  findOrdersForMidtrans,
  insertSyncLogs,
  type LockedPayment,
  type OrderLookup,
  type OrderRow,
  type Sql,
  type SyncLogInput,
} from '@lunas/db';
import { applyMidtransStatuses, type ApplyStatusInput, type ApplyStatusResult } from './apply-status.js';

export interface BatchOptions {
  /** Items in one batch at most; 1 turns batching off. */
  readonly maxBatch: number;
  /** How long the first item waits for others, ms (0: only those ready in the same tick). */
  readonly waitMs: number;
  readonly logger?: Logger;
  /** SHOP_ORDERS: with the builtin table, lookups read the orders table itself. */
  readonly shopOrders?: 'builtin' | 'adapter';
  /** Called with each batch's size and whether it fell back to singles (metrics, benches). */
  readonly onBatch?: (size: number, fellBack: boolean) => void;
}

/** The order a notification names and its payment rows, read without locks. */
export interface OrderAndPayments {
  readonly order: OrderRow | null;
  readonly payments: readonly LockedPayment[];
}

export interface NotificationBatcher {
  readonly apply: (input: ApplyStatusInput) => Promise<ApplyStatusResult>;
  /** The pre-read of step 2 of a notification (no lock: the decision is taken under lock later). */
  readonly lookup: (lookup: OrderLookup) => Promise<OrderAndPayments>;
  /** A sync log row written outside any apply (duplicates and rejections). */
  readonly log: (row: SyncLogInput) => Promise<string>;
}

export function createNotificationBatcher(sql: Sql, options: BatchOptions): NotificationBatcher {
  const applies = batched<ApplyStatusInput, ApplyStatusResult>(
    (inputs) => applyMidtransStatuses(sql, inputs),
    'apply',
    options,
  );
  const lookups = batched<OrderLookup, OrderAndPayments>(
    async (keys) => {
      const found = await findOrdersForMidtrans(sql, keys, false, options.shopOrders);
      return found.orders.map((order) => ({
        order,
        payments: order ? (found.payments.get(order.orderId) ?? []) : [],
      }));
    },
    'lookup',
    options,
  );
  const logs = batched<SyncLogInput, string>((rows) => insertSyncLogs(sql, rows), 'log', options);
  return { apply: (i) => applies.load(i), lookup: (l) => lookups.load(l), log: (r) => logs.load(r) };
}

/**
 * A DataLoader over `run`, which returns one result or Error per item. A batch whose `run`
 * throws is run again item by item, so that each item gets its own answer.
 */
function batched<I, O>(
  run: (items: readonly I[]) => Promise<(O | Error)[]>,
  what: string,
  options: BatchOptions,
): DataLoader<I, O> {
  const single = async (item: I): Promise<O | Error> => {
    try {
      const [result] = await run([item]);
      return result ?? new Error(`${what} returned no result`);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };
  return new DataLoader<I, O>(
    async (items) => {
      if (items.length === 1) {
        options.onBatch?.(1, false);
        return [await single(items[0] as I)];
      }
      try {
        const results = await run(items);
        options.onBatch?.(items.length, false);
        return results;
      } catch (error) {
        options.logger?.warn(
          { err: { message: error instanceof Error ? error.message : String(error) }, size: items.length },
          `a batched ${what} failed as a whole; each of its items is tried alone`,
        );
        options.onBatch?.(items.length, true);
        return Promise.all(items.map(single));
      }
    },
    {
      cache: false,
      maxBatchSize: Math.max(1, options.maxBatch),
      ...(options.waitMs > 0 ? { batchScheduleFn: (cb: () => void) => setTimeout(cb, options.waitMs) } : {}),
    },
  );
}
