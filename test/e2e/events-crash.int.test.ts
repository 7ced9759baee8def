// An event exists if and only if its transition committed: a worker SIGKILLed inside the
// transaction, after it wrote the payment's new status and its audit row and while it waits to
// insert the event, leaves none of the three; the next worker applies the transition once, with
// its events, and delivers them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertPayment, readPayment, syncLogs } from '../harness/db.js';
import { notificationOf, vaCharge } from '../harness/midtrans.js';
import { exitOf, spawnWorkerProcess, startSystem, type TestSystem } from '../harness/system.js';
import { waitFor } from '../harness/wait-for.js';
import {
  newWebhookSecret,
  startEventReceiver,
  type EventReceiver,
} from '../../scripts/chaos/event-receiver.js';

const SECRET = newWebhookSecret(randomBytes(24));

describe('a worker SIGKILLed while it writes an event', () => {
  let receiver: EventReceiver;
  let system: TestSystem;
  beforeAll(async () => {
    receiver = await startEventReceiver(SECRET);
    system = await startSystem({
      label: 'evcrash',
      withWorker: false,
      env: {
        EVENTS_WEBHOOK_URL: receiver.url,
        EVENTS_WEBHOOK_SECRET: SECRET,
        EVENTS_DELIVERY_BACKOFF_MS: '100',
        EVENTS_RELAY_INTERVAL_MS: '100',
      },
    });
  });
  afterAll(async () => {
    await system.close();
    await receiver.close();
  });

  it('leaves no event, no status and no audit row; the next worker writes each once and delivers', async () => {
    const sql = system.db.sql;
    const order = await insertOrder(sql, 'EVCRASH-1');
    await insertPayment(sql, order.orderId);
    await vaCharge(system.sim, 'EVCRASH-1');
    await system.sim.pay('EVCRASH-1');

    // SHARE mode blocks INSERTs into payment_events (and nothing that only reads it): the worker
    // gets through the status change and the audit row, then waits at the event, mid-transaction.
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = sql.begin(async (tx) => {
      await tx`LOCK TABLE payment_events IN SHARE MODE`;
      locked();
      await released;
    });
    await lockTaken;

    const first = spawnWorkerProcess(system.env());
    try {
      const res = await fetch(system.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(notificationOf(system.sim, 'EVCRASH-1')),
      });
      expect(res.status).toBe(200);
      await waitFor(
        async () => {
          const waiting = await sql<{ query: string }[]>`
            SELECT query FROM pg_stat_activity
            WHERE datname = ${system.db.name} AND application_name = 'lunas-worker' AND wait_event_type = 'Lock'`;
          return waiting.some((w) => w.query.includes('payment_events'));
        },
        { timeoutMs: 20_000, what: 'worker blocked at the event insert' },
      );
      first.kill('SIGKILL');
      expect((await exitOf(first)).signal).toBe('SIGKILL');
    } finally {
      first.kill('SIGKILL');
      release();
      await holder;
    }
    // The dead worker's transaction rolled back whole.
    expect(await readPayment(sql, 'EVCRASH-1')).toMatchObject({
      paymentStatus: 'PENDING',
      orderStatus: 'PENDING',
    });
    expect((await syncLogs(sql, 'EVCRASH-1')).filter((l) => l.outcome === 'applied')).toEqual([]);
    expect(await sql`SELECT 1 FROM payment_events`).toHaveLength(0);

    const second = spawnWorkerProcess(system.env());
    try {
      const events = await waitFor(
        async () => {
          const rows = await sql<
            { id: string; type: string; syncLogId: string | null; delivered: boolean }[]
          >`
            SELECT e.id::text AS id, e.type, e.sync_log_id::text AS "syncLogId", e.delivered_at IS NOT NULL AS delivered
            FROM payment_events e ORDER BY e.id`;
          return rows.length === 2 && rows.every((r) => r.delivered) ? rows : null;
        },
        { timeoutMs: 30_000, what: 'the events written and delivered by the next worker' },
      );
      expect(events.map((e) => e.type)).toEqual(['payment.paid', 'order.paid']);
      const applied = await sql<{ id: string }[]>`
        SELECT id::text AS id FROM core_payment_sync_logs WHERE outcome = 'applied'`;
      expect(applied).toHaveLength(1);
      expect(events.map((e) => e.syncLogId)).toEqual([applied[0]!.id, applied[0]!.id]);
      expect(await readPayment(sql, 'EVCRASH-1')).toMatchObject({
        paymentStatus: 'PAID',
        orderStatus: 'PAID',
      });
      expect([...receiver.delivered().keys()]).toEqual(events.map((e) => `evt_${e.id}`));
    } finally {
      second.kill('SIGTERM');
      expect((await exitOf(second)).code).toBe(143);
    }
  });
});
