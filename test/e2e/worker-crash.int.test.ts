import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertPayment, readPayment, syncLogs } from '../harness/db.js';
import { notificationOf, vaCharge } from '../harness/midtrans.js';
import { exitOf, spawnWorkerProcess, startSystem, type TestSystem } from '../harness/system.js';
import { waitFor } from '../harness/wait-for.js';

describe('a worker process SIGKILLed mid-job', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ label: 'crash', withWorker: false });
  });
  afterAll(async () => {
    await system.close();
  });

  it('loses nothing: a new worker takes the job up and the payment ends PAID with one applied row', async () => {
    const order = await insertOrder(system.db.sql, 'CRASH-1');
    await insertPayment(system.db.sql, order.orderId);
    await vaCharge(system.sim, 'CRASH-1');
    await system.sim.pay('CRASH-1');

    // Hold the payment row's lock so the worker blocks inside its transaction, mid-job.
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = system.db.sql.begin(async (tx) => {
      await tx`SELECT id FROM order_payments WHERE order_id = ${order.orderId} FOR UPDATE`;
      locked();
      await released;
    });
    await lockTaken;

    const first = spawnWorkerProcess(system.env());
    try {
      const res = await fetch(system.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(notificationOf(system.sim, 'CRASH-1')),
      });
      expect(res.status).toBe(200);

      // The worker has the job and is waiting on our lock.
      await waitFor(
        async () => {
          const waiting = await system.db.sql`
            SELECT 1 FROM pg_stat_activity
            WHERE datname = ${system.db.name} AND application_name = 'lunas-worker' AND wait_event_type = 'Lock'`;
          return waiting.length > 0 && (await system.queue.getActiveCount()) === 1;
        },
        { timeoutMs: 20_000, what: 'worker blocked on the payment row lock' },
      );

      first.kill('SIGKILL');
      expect((await exitOf(first)).signal).toBe('SIGKILL');
    } finally {
      first.kill('SIGKILL');
      release();
      await holder;
    }
    // Nothing was written by the dead worker.
    expect(await readPayment(system.db.sql, 'CRASH-1')).toMatchObject({ paymentStatus: 'PENDING' });

    const second = spawnWorkerProcess(system.env());
    try {
      await waitFor(async () => (await readPayment(system.db.sql, 'CRASH-1'))?.paymentStatus === 'PAID', {
        timeoutMs: 30_000,
        what: 'payment PAID after stalled-job recovery',
      });
      const applied = (await syncLogs(system.db.sql, 'CRASH-1')).filter((l) => l.outcome === 'applied');
      expect(applied).toEqual([
        expect.objectContaining({ syncType: 'webhook', fromStatus: 'PENDING', toStatus: 'PAID' }),
      ]);
      expect(await readPayment(system.db.sql, 'CRASH-1')).toMatchObject({ orderStatus: 'PAID' });
    } finally {
      second.kill('SIGTERM');
      const exit = await exitOf(second);
      // Graceful shutdown: 128 + SIGTERM(15).
      expect(exit.code).toBe(143);
    }
  });
});
