/**
 * Failover under load with Redis Sentinel (a master, one replica, three sentinels): the master
 * is SIGKILLed while notifications flow. With ENQUEUE_MIN_REPLICAS=1 a 200 means the replica
 * has the job, so the replica the sentinels promote has every acknowledged notification: none
 * is lost, with the reconcile sweep off (only the notification jobs can have applied them).
 * Midtrans only ever sees 200 or 503. The killed master is restarted, as an orchestrator would;
 * the sentinels make it the new master's replica, after which 200s resume.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisSentinel, type SentinelTopology } from '../harness/redis-topology.js';
import { startSystem, type TestSystem } from '../harness/system.js';
import { waitFor } from '../harness/wait-for.js';
import { notificationsUnderFault, paidCount } from './failover-load.js';

const PASSWORD = 'sentinel-node-password-0123';
let sentinel: SentinelTopology;
let system: TestSystem;

beforeAll(async () => {
  // The data nodes require a password (the sentinels know it): REDIS_PASSWORD reaches every connection.
  sentinel = await startRedisSentinel({ password: PASSWORD });
  system = await startSystem({
    label: 'rhasnf',
    env: {
      REDIS_SENTINELS: sentinel.sentinelsEnv,
      REDIS_SENTINEL_MASTER: sentinel.masterName,
      REDIS_PASSWORD: PASSWORD,
      ENQUEUE_MIN_REPLICAS: '1',
      ENQUEUE_TIMEOUT_MS: '2000',
      RECONCILE_ENABLED: 'false',
      WORKER_CONCURRENCY: '4',
    },
  });
}, 60_000);

afterAll(async () => {
  await system?.close();
  await sentinel?.stop();
});

describe('the Sentinel-managed master killed under load, ENQUEUE_MIN_REPLICAS=1', () => {
  it('loses no notification answered 200 and answers only 200 or 503', async () => {
    const before = await sentinel.currentMaster();
    let promoted = 0;
    const result = await notificationsUnderFault(system, {
      label: 'SNF',
      orders: 160,
      faultAfter: 30,
      paceMs: 60,
      deadlineMs: 50_000,
      fault: async () => {
        const killed = await sentinel.killMaster();
        promoted = await sentinel.waitForFailover(killed);
        await sentinel.restart(killed);
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
    expect(system.logs.lines.filter((line) => line.includes(PASSWORD))).toEqual([]);
    console.info(
      `sentinel failover: ${result.orders.length} notifications, answers ${JSON.stringify([...result.statuses])}`,
    );
  }, 90_000);
});
