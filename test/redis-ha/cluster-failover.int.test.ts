/**
 * Failover under load on a real Redis Cluster: the master that holds Lunas's slot is SIGKILLed
 * while notifications flow. With ENQUEUE_MIN_REPLICAS=1 a 200 means a replica has the job, so
 * the replica the cluster promotes has every acknowledged notification: none is lost, with the
 * reconcile sweep off (only the notification jobs can have applied them). Midtrans only ever
 * sees 200 or 503. The killed node is restarted, as an orchestrator would, and rejoins as the
 * new master's replica, after which 200s resume.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type ClusterTopology } from '../harness/redis-topology.js';
import { startSystem, type TestSystem } from '../harness/system.js';
import { waitFor } from '../harness/wait-for.js';
import { notificationsUnderFault, paidCount } from './failover-load.js';

let cluster: ClusterTopology;
let system: TestSystem;

beforeAll(async () => {
  cluster = await startRedisCluster();
  system = await startSystem({
    label: 'rhaclf',
    env: {
      REDIS_CLUSTER_NODES: cluster.nodesEnv,
      ENQUEUE_MIN_REPLICAS: '1',
      ENQUEUE_TIMEOUT_MS: '2000',
      RECONCILE_ENABLED: 'false',
      WORKER_CONCURRENCY: '4',
    },
  });
}, 60_000);

afterAll(async () => {
  await system?.close();
  await cluster?.stop();
});

describe('a cluster master killed under load, ENQUEUE_MIN_REPLICAS=1', () => {
  it('loses no notification answered 200 and answers only 200 or 503', async () => {
    const slotKey = `{${system.prefix}}:payment-notifications:id`;
    const before = await cluster.masterOf(slotKey);
    let promoted = 0;
    const result = await notificationsUnderFault(system, {
      label: 'CLF',
      orders: 160,
      faultAfter: 30,
      paceMs: 60,
      deadlineMs: 50_000,
      fault: async () => {
        const killed = await cluster.killMasterOf(slotKey);
        promoted = await cluster.waitForFailover(slotKey, killed);
        await cluster.restart(killed);
      },
    });
    expect(promoted).not.toBe(0);
    expect(promoted).not.toBe(before);
    expect([...result.statuses.keys()].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(result.transportErrors).toBe(0);
    expect(result.accepted.length).toBe(result.orders.length);
    await waitFor(async () => (await paidCount(system, result.accepted)) === result.accepted.length, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'every accepted notification applied',
    });
    console.info(
      `cluster failover: ${result.orders.length} notifications, answers ${JSON.stringify([...result.statuses])}`,
    );
  }, 90_000);
});
