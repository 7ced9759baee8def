import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql } from '@lunas/db';
import { insertOrder, insertPayment, PG_BASE_URL, readPayment, syncLogs } from '../harness/db.js';
import { notificationOf, vaCharge } from '../harness/midtrans.js';
import { startSystem, type TestSystem } from '../harness/system.js';
import { waitFor } from '../harness/wait-for.js';

describe('Postgres refusing connections for a while', () => {
  let system: TestSystem;
  const admin = createSql({ url: `${PG_BASE_URL}/postgres`, applicationName: 'lunas-test-admin', max: 1 });
  const allowConnections = (allow: boolean) =>
    admin.unsafe(`ALTER DATABASE "${system.db.name}" WITH ALLOW_CONNECTIONS ${allow ? 'true' : 'false'}`);

  beforeAll(async () => {
    system = await startSystem({ label: 'pgdown' });
  });
  afterAll(async () => {
    await allowConnections(true);
    await system.close();
    await admin.end({ timeout: 5 });
  });

  it('retries with backoff while the database is away and applies the payment once it is back', async () => {
    const order = await insertOrder(system.db.sql, 'PGDOWN-1');
    await insertPayment(system.db.sql, order.orderId);
    await vaCharge(system.sim, 'PGDOWN-1');
    await system.sim.pay('PGDOWN-1');

    // The database refuses new connections and drops the worker's open ones.
    await allowConnections(false);
    await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = ${system.db.name} AND pid <> pg_backend_pid()`;

    const res = await fetch(system.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(notificationOf(system.sim, 'PGDOWN-1')),
    });
    // The webhook path does not touch Postgres: Midtrans still gets its 200.
    expect(res.status).toBe(200);
    const { jobId } = (await res.json()) as { jobId: string };

    // The job fails at least twice while Postgres is away, and is not lost.
    await waitFor(async () => ((await system.queue.getJob(jobId))?.attemptsMade ?? 0) >= 2, {
      timeoutMs: 20_000,
      what: 'two failed attempts while Postgres refuses connections',
    });
    expect(await system.queue.getJobState(jobId)).toMatch(/delayed|active|waiting/);

    await allowConnections(true);
    await waitFor(async () => (await readPayment(system.db.sql, 'PGDOWN-1'))?.paymentStatus === 'PAID', {
      timeoutMs: 30_000,
      what: 'payment PAID after Postgres is back',
    });
    const applied = (await syncLogs(system.db.sql, 'PGDOWN-1')).filter((l) => l.outcome === 'applied');
    expect(applied).toHaveLength(1);
  });
});
