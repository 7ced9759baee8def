/**
 * The whole Lunas flow on a real local Redis Cluster (3 masters, 3 replicas) selected by
 * REDIS_CLUSTER_NODES: webhook → worker → PAID through the simulator, the fast path, the
 * reconcile sweep and the manual sync, Bull Board listing the queues, the console's SSE events,
 * and the Midtrans rate limit shared by two workers. Every key carries the `{prefix}` hash tag
 * and lives in one slot.
 */
import { connectRedis, waitForReplicas } from '@lunas/runtime';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertPayment, readPayment, syncLogs } from '../harness/db.js';
import {
  chargedOrder,
  maxCallsInWindow,
  startReconcileSystem,
  TEST_ADMIN_TOKEN,
  type ReconcileSystem,
} from '../harness/reconcile.js';
import { startRedisCluster, type ClusterTopology } from '../harness/redis-topology.js';
import { waitFor } from '../harness/wait-for.js';

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const RATE = 5;
// The cluster's nodes require a password (requirepass / masterauth): REDIS_PASSWORD reaches every connection.
const PASSWORD = 'cluster-node-password-0123';

let cluster: ClusterTopology;
let rs: ReconcileSystem;
let probe: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster({ password: PASSWORD });
  rs = await startReconcileSystem({
    label: 'rhacl',
    workers: 2,
    env: {
      REDIS_CLUSTER_NODES: cluster.nodesEnv,
      REDIS_PASSWORD: PASSWORD,
      // A 10 s first backoff: a notification applied within seconds of its row is the fast path.
      NOTIFICATION_BACKOFF_MS: '10000',
      MIDTRANS_RATE_LIMIT: String(RATE),
      RECONCILE_EVERY_MS: '1000',
      RECONCILE_MIN_AGE_MS: '0',
    },
  });
  probe = new Cluster(
    cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
    { redisOptions: { password: PASSWORD } },
  );
}, 60_000);

afterAll(async () => {
  probe?.disconnect();
  await rs?.close();
  await cluster?.stop();
});

const paid = (code: string) =>
  waitFor(async () => (await readPayment(rs.system.db.sql, code))?.paymentStatus === 'PAID', {
    timeoutMs: 20_000,
    what: `${code} PAID`,
  });

/** Every key of the whole cluster whose name contains the test's prefix, with its node. */
async function prefixedKeys(): Promise<{ key: string; port: number }[]> {
  const found: { key: string; port: number }[] = [];
  for (const port of cluster.ports) {
    const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, password: PASSWORD });
    try {
      if ((await redis.info('replication')).includes('role:master')) {
        const keys = await redis.keys(`*${rs.system.prefix}*`);
        found.push(...keys.map((key) => ({ key, port })));
      }
    } finally {
      redis.disconnect();
    }
  }
  return found;
}

describe('Lunas on a Redis Cluster', () => {
  it('runs webhook → worker → PAID through the simulator and streams the event', async () => {
    const controller = new AbortController();
    const stream = await fetch(`${rs.system.apiUrl}/admin/events`, {
      headers: auth,
      signal: controller.signal,
    });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    let text = '';
    const reading = (async () => {
      const reader = stream.body?.getReader();
      try {
        for (;;) {
          const chunk = await reader?.read();
          if (!chunk || chunk.done) {
            return;
          }
          text += Buffer.from(chunk.value).toString('utf8');
        }
      } catch {
        // aborted
      }
    })();
    try {
      await chargedOrder(rs, 'CL-PAY-1');
      await rs.sim.pay('CL-PAY-1');
      await paid('CL-PAY-1');
      expect(await syncLogs(rs.system.db.sql, 'CL-PAY-1')).toContainEqual(
        expect.objectContaining({ syncType: 'webhook', toStatus: 'PAID' }),
      );
      await waitFor(() => text.includes('"orderCode":"CL-PAY-1"') && text.includes('"to":"PAID"'), {
        what: 'SSE payment event',
      });
    } finally {
      controller.abort();
      await reading;
    }
  });

  it('applies a notification that beat its payment row on the fast path', async () => {
    const order = await insertOrder(rs.system.db.sql, 'CL-FAST-1');
    await rs.sim.charge({
      payment_type: 'bank_transfer',
      transaction_details: { order_id: 'CL-FAST-1', gross_amount: 150000 },
      bank_transfer: { bank: 'bca' },
    });
    await rs.sim.pay('CL-FAST-1');
    await waitFor(
      () =>
        rs.sim
          .deliveries('CL-FAST-1')
          .some((d) => d.transactionStatus === 'settlement' && d.httpStatus === 200),
      { what: 'settlement delivered' },
    );
    // The worker tried, found no row, and registered the job as awaiting its payment row.
    await waitFor(
      async () => (await probe.exists(`{${rs.system.prefix}}:awaiting-payment:CL-FAST-1`)) === 1,
      {
        what: 'notification awaiting its payment row',
      },
    );
    const insertedAt = Date.now();
    await insertPayment(rs.system.db.sql, order.orderId);
    await paid('CL-FAST-1');
    expect(Date.now() - insertedAt).toBeLessThan(8_000);
  });

  it('repairs a dropped notification with the sweep, and another with the manual sync', async () => {
    await chargedOrder(rs, 'CL-DROP-1');
    rs.sim.faults.set({ drop: true, times: 1 }, { orderId: 'CL-DROP-1' });
    await rs.sim.pay('CL-DROP-1');
    await paid('CL-DROP-1');
    expect(await syncLogs(rs.system.db.sql, 'CL-DROP-1')).toContainEqual(
      expect.objectContaining({ syncType: 'reconcile', toStatus: 'PAID' }),
    );

    await chargedOrder(rs, 'CL-SYNC-1');
    rs.sim.faults.set({ drop: true, times: 1 }, { orderId: 'CL-SYNC-1' });
    await rs.sim.pay('CL-SYNC-1');
    await rs.sim.idle();
    const sync = await rs.system.api.inject({
      method: 'POST',
      url: '/admin/orders/CL-SYNC-1/sync-payment',
      headers: auth,
    });
    // 200 with the result; the sweep may have got there first (then nothing was left to update).
    expect(sync.statusCode).toBe(200);
    await paid('CL-SYNC-1');
  });

  it('shares the Midtrans rate limit across two workers', async () => {
    const codes = Array.from({ length: 12 }, (_, i) => `CL-RATE-${i}`);
    for (const code of codes) {
      await chargedOrder(rs, code);
      rs.sim.faults.set({ drop: true, times: 1 }, { orderId: code });
    }
    const since = Date.now();
    await Promise.all(codes.map((code) => rs.sim.pay(code)));
    await Promise.all(codes.map(paid));
    const calls = rs.statusCalls.filter((c) => c.at >= since);
    expect(calls.length).toBeGreaterThanOrEqual(codes.length);
    expect(maxCallsInWindow(calls)).toBeLessThanOrEqual(RATE + 1);
  });

  it('opens one circuit for both workers while Get Status fails, and recovers without a loss', async () => {
    const codes = ['CL-5XX-1', 'CL-5XX-2', 'CL-5XX-3'];
    for (const code of codes) {
      await chargedOrder(rs, code);
      rs.sim.faults.set({ drop: true, statusApi: { respond: 503, durationMs: 3_000 } }, { orderId: code });
      await rs.sim.pay(code);
    }
    // The circuit is one hash under the prefix's tag, in the cluster, read by both workers.
    await waitFor(
      async () => Number(await probe.hget(`{${rs.system.prefix}}:midtrans:circuit`, 'openUntil')) > 0,
      { timeoutMs: 8_000, what: 'circuit opened in the cluster' },
    );
    await Promise.all(codes.map(paid));
    expect(rs.system.logs.lines.some((l) => l.includes('Midtrans circuit closed'))).toBe(true);
  });

  it("sends ENQUEUE_MIN_REPLICAS's WAIT to the master of the prefix's slot, which has the replica", async () => {
    const tag = `{${rs.system.prefix}}`;
    const producer = connectRedis(
      {
        kind: 'cluster',
        nodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
        password: PASSWORD,
        tls: false,
      },
      'producer',
    );
    try {
      await waitFor(() => producer.status === 'ready', { what: 'cluster producer ready' });
      for (let i = 0; i < 5; i += 1) {
        await producer.set(`${tag}:wait-probe`, String(i));
        expect(await waitForReplicas(producer, `${tag}:id`, 1, 2_000)).toBeGreaterThanOrEqual(1);
      }
    } finally {
      producer.disconnect();
    }
    const master = await cluster.masterOf(`${tag}:id`);
    const waits: Record<number, number> = {};
    for (const port of cluster.ports) {
      const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, password: PASSWORD });
      try {
        const stats = await redis.info('commandstats');
        waits[port] = Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0);
      } finally {
        redis.disconnect();
      }
    }
    expect(waits[master]).toBe(5);
    expect(Object.values(waits).reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('lists the queues in Bull Board and keeps every key under one hash tag in one slot', async () => {
    const board = await rs.system.api.inject({ url: '/admin/queues/api/queues', headers: auth });
    expect(board.statusCode).toBe(200);
    const names = board.json<{ queues: { name: string }[] }>().queues.map((q) => q.name);
    expect(names).toContain('payment-notifications');

    const keys = await prefixedKeys();
    expect(keys.length).toBeGreaterThan(0);
    const tag = `{${rs.system.prefix}}:`;
    expect(keys.filter((k) => !k.key.startsWith(tag))).toEqual([]);
    expect(new Set(keys.map((k) => k.port)).size).toBe(1);
    expect(keys.map((k) => k.key)).toContain(`${tag}midtrans:rate`);
    expect(rs.system.logs.lines.filter((line) => line.includes(PASSWORD))).toEqual([]);
  });
});
