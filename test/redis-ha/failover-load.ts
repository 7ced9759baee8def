/**
 * Notifications under load while a Redis master is SIGKILLed: senders post the simulator's signed
 * settlements like Midtrans does (a 503 is retried after a short pause, a 200 is final), `fault` runs once
 * a share of them is in, and the caller checks the result: which answers were seen, and
 * whether every notification answered 200 was applied by the worker.
 */
import { insertOrder, insertPayment } from '../harness/db.js';
import { notificationOf, vaCharge } from '../harness/midtrans.js';
import type { TestSystem } from '../harness/system.js';

export interface LoadResult {
  /** Every HTTP status the API answered, with how often. */
  readonly statuses: Map<number, number>;
  /** Order codes whose notification was answered 200. */
  readonly accepted: string[];
  readonly orders: string[];
  /** Errors of the fetch itself (connection refused …), which Midtrans would also retry. */
  readonly transportErrors: number;
}

export async function notificationsUnderFault(
  system: TestSystem,
  options: {
    label: string;
    orders: number;
    faultAfter: number;
    fault: () => Promise<void>;
    deadlineMs: number;
    /** Pause of each of the 4 senders between two notifications, so the load spans the fault. */
    paceMs: number;
  },
): Promise<LoadResult> {
  const orders: { code: string; body: string }[] = [];
  for (let i = 0; i < options.orders; i += 1) {
    const code = `${options.label}-${i}`;
    const order = await insertOrder(system.db.sql, code);
    await insertPayment(system.db.sql, order.orderId);
    // A settled transaction at the simulator, whose Get Status confirms the notification.
    await vaCharge(system.sim, code);
    await system.sim.pay(code);
    orders.push({ code, body: JSON.stringify(notificationOf(system.sim, code)) });
  }
  const statuses = new Map<number, number>();
  const accepted: string[] = [];
  let transportErrors = 0;
  let faultStarted: Promise<void> = Promise.resolve();
  const deadline = Date.now() + options.deadlineMs;
  let next = 0;

  const sendOne = async (order: { code: string; body: string }): Promise<void> => {
    while (Date.now() < deadline) {
      try {
        const response = await fetch(system.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: order.body,
          signal: AbortSignal.timeout(15_000),
        });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 200) {
          accepted.push(order.code);
          if (accepted.length === options.faultAfter) {
            faultStarted = options.fault();
          }
          return;
        }
      } catch {
        transportErrors += 1;
      }
      // Midtrans retries later; here a short pause keeps the run short.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const sender = async (): Promise<void> => {
    for (;;) {
      const order = orders[next];
      next += 1;
      if (!order) {
        return;
      }
      await sendOne(order);
      await new Promise((resolve) => setTimeout(resolve, options.paceMs));
    }
  };
  await Promise.all([sender(), sender(), sender(), sender()]);
  await faultStarted;
  return { statuses, accepted, orders: orders.map((o) => o.code), transportErrors };
}

/** How many of `codes` the worker has applied (PAID), read in one query. */
export async function paidCount(system: TestSystem, codes: readonly string[]): Promise<number> {
  const [row] = await system.db.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM orders WHERE order_code = ANY(${codes as string[]}) AND status = 'PAID'`;
  return row?.n ?? 0;
}
