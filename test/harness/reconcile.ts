/**
 * Reconciliation tests: the Lunas system plus a listening Midtrans simulator whose Get Status
 * API the workers call (MIDTRANS_API_BASE_URL) and whose notifications hit the real API.
 * Every status call the simulator receives is recorded, to check rate limits and "checked once".
 */
import type { Simulator } from '@lunas/simulator';
import type { WorkerHandle } from '@lunas/worker';
import { insertOrder, insertPayment } from './db.js';
import { startSystem, type StartSystemOptions, type TestSystem } from './system.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';

export interface StatusCall {
  readonly at: number;
  readonly id: string;
}

export interface ReconcileSystem {
  readonly system: TestSystem;
  readonly sim: Simulator;
  /** Every GET /v2/:id/status the simulator received, in order. */
  readonly statusCalls: StatusCall[];
  /** Env for more workers (in-process or spawned) of this system. */
  workerEnv(extra?: Record<string, string>): Record<string, string>;
  /** Starts one more in-process worker; closed by close(). */
  addWorker(extra?: Record<string, string>): Promise<WorkerHandle>;
  close(): Promise<void>;
}

/** Fast reconciliation for tests: ticks every second, no minimum age. */
export const FAST_RECONCILE_ENV: Record<string, string> = {
  RECONCILE_EVERY_MS: '1000',
  RECONCILE_MIN_AGE_MS: '0',
  RECONCILE_BACKOFF_MS: '200',
  MIDTRANS_TIMEOUT_MS: '2000',
  MIDTRANS_CIRCUIT_COOLDOWN_MS: '1000',
  ADMIN_TOKEN: TEST_ADMIN_TOKEN,
};

export async function startReconcileSystem(
  options: {
    label?: string;
    env?: Record<string, string>;
    workers?: number;
    simOptions?: StartSystemOptions['simOptions'];
  } = {},
): Promise<ReconcileSystem> {
  const statusCalls: StatusCall[] = [];
  const system = await startSystem({
    label: options.label ?? 'rcn',
    withWorker: false,
    env: { ...FAST_RECONCILE_ENV, ...options.env },
    simNotifies: true,
    ...(options.simOptions ? { simOptions: options.simOptions } : {}),
    // Hooks added before listen() reach the encapsulated core routes too.
    onSim: (sim) =>
      sim.app.addHook('onRequest', (request, _reply, done) => {
        const match = /^\/v2\/([^/]+)\/status$/.exec(request.url.split('?')[0] ?? '');
        if (request.method === 'GET' && match?.[1]) {
          statusCalls.push({ at: Date.now(), id: decodeURIComponent(match[1]) });
        }
        done();
      }),
  });
  const { sim } = system;
  const workers: WorkerHandle[] = [];
  const workerEnv = (extra: Record<string, string> = {}) => system.env(extra);
  const addWorker = async (extra: Record<string, string> = {}) => {
    const handle = await system.startWorker(workerEnv(extra));
    workers.push(handle);
    return handle;
  };
  for (let i = 0; i < (options.workers ?? 1); i += 1) {
    await addWorker();
  }
  return {
    system,
    sim,
    statusCalls,
    workerEnv,
    addWorker,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      system.worker = null;
      await system.close();
    },
  };
}

/** An order with one payment row, charged at the simulator as a BCA VA (pending there). */
export async function chargedOrder(
  rs: ReconcileSystem,
  orderCode: string,
  amount = 150000,
): Promise<{ orderId: string; paymentId: string }> {
  const order = await insertOrder(rs.system.db.sql, orderCode, `${amount}.00`);
  const paymentId = await insertPayment(rs.system.db.sql, order.orderId);
  await rs.sim.charge({
    payment_type: 'bank_transfer',
    transaction_details: { order_id: orderCode, gross_amount: amount },
    bank_transfer: { bank: 'bca' },
  });
  return { orderId: order.orderId, paymentId };
}

/** Largest number of calls that started within any window of `windowMs`. */
export function maxCallsInWindow(calls: readonly StatusCall[], windowMs = 1000): number {
  const times = calls.map((c) => c.at).sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end += 1) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) {
      start += 1;
    }
    best = Math.max(best, end - start + 1);
  }
  return best;
}
