/**
 * Redis memory is bounded and known (docs/decisions/0016-notification-retention.md), against
 * real Redis: the memory gauges (the API serves them: admin-security.int.test.ts), and the
 * retention of notification jobs.
 */
import { JOBS, notificationJobId, notificationJobOptions, QUEUES } from '@lunas/core';
import { createMetrics, registerRedisMemory } from '@lunas/runtime';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/chaos/processes.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../harness/redis.js';
import { startStandaloneRedis, type StandaloneRedis } from '../harness/redis-topology.js';
import { waitFor } from '../harness/wait-for.js';

/** The value of an unlabelled (role-only) series in exposition text, or null if absent. */
function sample(text: string, name: string): number | null {
  const match = new RegExp(`^${name}\\{role="api"\\} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

async function infoMemory(redis: Redis): Promise<{ used: number; max: number }> {
  const info = await redis.info('memory');
  return {
    used: Number(/^used_memory:(\d+)/m.exec(info)?.[1]),
    max: Number(/^maxmemory:(\d+)/m.exec(info)?.[1]),
  };
}

describe('lunas_redis_used_memory_bytes and lunas_redis_maxmemory_bytes', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(() => {
    redis.disconnect();
  });

  it('reads INFO memory of the real Redis at scrape time', async () => {
    const metrics = createMetrics({ role: 'api', defaultMetrics: false });
    registerRedisMemory(metrics, () => redis);
    const before = await infoMemory(redis);
    const text = await metrics.render();
    const after = await infoMemory(redis);
    const used = sample(text, 'lunas_redis_used_memory_bytes');
    // Other work shares this Redis, so used_memory moves; the scrape lies near the reads around it.
    expect(used).toBeGreaterThan(0);
    expect(used ?? 0).toBeGreaterThan(Math.min(before.used, after.used) / 2);
    expect(used ?? 0).toBeLessThan(Math.max(before.used, after.used) * 2);
    const [, configured] = (await redis.call('CONFIG', 'GET', 'maxmemory')) as [string, string];
    expect(sample(text, 'lunas_redis_maxmemory_bytes')).toBe(Number(configured));
  });

  describe('against a Redis with a memory limit', () => {
    let server: StandaloneRedis;
    let limited: Redis;
    beforeAll(async () => {
      server = await startStandaloneRedis(['--maxmemory', '64mb']);
      limited = new Redis(server.url, { maxRetriesPerRequest: 1 });
      limited.on('error', () => undefined);
    });
    afterAll(async () => {
      limited.disconnect();
      await server.stop();
    });

    it('reports the limit and the used bytes below it, and keeps them once Redis is gone', async () => {
      const metrics = createMetrics({ role: 'api', defaultMetrics: false });
      registerRedisMemory(metrics, () => limited, { timeoutMs: 500 });
      const text = await metrics.render();
      expect(sample(text, 'lunas_redis_maxmemory_bytes')).toBe(64 * 1024 * 1024);
      const used = sample(text, 'lunas_redis_used_memory_bytes') ?? 0;
      expect(used).toBeGreaterThan(0);
      expect(used).toBeLessThan(64 * 1024 * 1024);
      expect(sample(text, 'lunas_redis_memory_scrape_errors_total')).toBe(0);

      await server.stop();
      const later = await metrics.render();
      expect(sample(later, 'lunas_redis_maxmemory_bytes')).toBe(64 * 1024 * 1024);
      expect(sample(later, 'lunas_redis_used_memory_bytes')).toBe(used);
      expect(sample(later, 'lunas_redis_memory_scrape_errors_total')).toBe(1);
    });
  });

  it('serves 0 and counts an error when Redis does not answer within the bound', async () => {
    const port = await freePort();
    // Nothing listens there: with retries and an offline queue, INFO would wait forever.
    const away = new Redis(`redis://127.0.0.1:${port}`, {
      maxRetriesPerRequest: null,
      retryStrategy: () => 100,
    });
    away.on('error', () => undefined);
    try {
      const metrics = createMetrics({ role: 'api', defaultMetrics: false });
      registerRedisMemory(metrics, () => away, { timeoutMs: 200 });
      const text = await metrics.render();
      expect(sample(text, 'lunas_redis_used_memory_bytes')).toBe(0);
      expect(sample(text, 'lunas_redis_maxmemory_bytes')).toBe(0);
      expect(sample(text, 'lunas_redis_memory_scrape_errors_total')).toBe(1);
    } finally {
      away.disconnect();
    }
  });
});

describe('notification job retention', () => {
  const prefixes: string[] = [];
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  });
  afterEach(async () => {
    for (const prefix of prefixes.splice(0)) {
      await deletePrefix(prefix);
    }
  });
  afterAll(() => {
    redis.disconnect();
  });

  const identity = (i: number) => ({
    orderId: `ORD-${i}`,
    transactionId: `tx-${i}`,
    transactionStatus: 'settlement',
    statusCode: '200',
    grossAmount: '150000.00',
  });
  const data = { rawBody: '{"order_id":"ORD"}', receivedAt: new Date(0).toISOString(), seal: 'x' };

  it('refuses a redelivery while waiting, keeps at most the count of completed jobs, and every dead letter', async () => {
    const prefix = testPrefix('retention');
    prefixes.push(prefix);
    const queue = new Queue(QUEUES.notifications, { connection: redis, prefix });
    const policy = { attempts: 3, backoffMs: 10, keepCompletedSeconds: 3600, keepCompletedCount: 5 };
    const ids = Array.from({ length: 12 }, (_, i) => notificationJobId(identity(i)));
    for (const id of ids) {
      await queue.add(JOBS.processNotification, data, notificationJobOptions(id, policy));
    }
    // The same notification again while its job waits: still one job.
    await queue.add(JOBS.processNotification, data, notificationJobOptions(ids[0] ?? '', policy));
    expect(await queue.getJobCountByTypes('waiting')).toBe(12);

    const failing = new Set(ids.slice(10));
    const worker = new Worker(
      QUEUES.notifications,
      (job) =>
        failing.has(job.id ?? '') ? Promise.reject(new Error('Get Status failed')) : Promise.resolve(),
      { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix, concurrency: 4 },
    );
    try {
      await waitFor(
        async () => {
          const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
          const pending = (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0);
          return counts.failed === 2 && pending === 0 ? counts : null;
        },
        { what: 'all jobs finished', timeoutMs: 30_000 },
      );
    } finally {
      await worker.close();
    }
    expect(await queue.getJobCountByTypes('completed')).toBe(5);
    const deadLetters = await queue.getJobs(['failed']);
    expect(deadLetters.map((job) => job.id).sort()).toEqual([...failing].sort());
    for (const job of deadLetters) {
      expect(job.attemptsMade).toBe(3);
      expect(job.stacktrace).toHaveLength(1);
    }
    await queue.close();
  });
});
