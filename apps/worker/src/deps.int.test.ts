/**
 * The composition root against real Postgres and Redis: one pool, two Redis connections that
 * every queue and the Midtrans client share, one Queue per catalog queue (the alert queue only
 * with ALERT_WEBHOOK_URL), and one close that ends all of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/harness/db.js';
import { captureLogger } from '../../../test/harness/logger.js';
import { TEST_SERVER_KEY } from '../../../test/harness/notifications.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../../../test/harness/redis.js';
import { waitFor } from '../../../test/harness/wait-for.js';
import { loadWorkerConfig } from './config.js';
import { createWorkerDeps } from './deps.js';

let db: TestDatabase;
const prefix = testPrefix('deps');

beforeAll(async () => {
  db = await createTestDatabase('deps');
});

afterAll(async () => {
  await db?.drop();
  await deletePrefix(prefix);
});

function config(extra: Record<string, string> = {}) {
  return loadWorkerConfig({
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    MIDTRANS_SERVER_KEY: TEST_SERVER_KEY,
    MIDTRANS_API_BASE_URL: 'http://127.0.0.1:1',
    ...extra,
  });
}

describe('createWorkerDeps', () => {
  it('shares one command connection across every queue, and closes everything once', async () => {
    const deps = createWorkerDeps(config(), captureLogger('deps').logger);
    expect(deps.redis).not.toBe(deps.consumerRedis);
    expect(deps.queues.alerts).toBeNull();
    for (const queue of [deps.queues.notifications, deps.queues.reconcile, deps.queues.sweep]) {
      expect(queue.opts.connection).toBe(deps.redis);
    }
    expect(
      new Set([deps.queues.notifications.name, deps.queues.reconcile.name, deps.queues.sweep.name]).size,
    ).toBe(3);
    await deps.sql`SELECT 1`;
    expect(await deps.redis.ping()).toBe('PONG');

    const closing = deps.close();
    expect(deps.close()).toBe(closing);
    await closing;
    await expect(deps.sql`SELECT 1`).rejects.toThrow();
    await waitFor(() => (deps.redis.status === 'end' && deps.consumerRedis.status === 'end') || null, {
      timeoutMs: 5_000,
      what: 'both Redis connections ended',
    });
  });

  it('opens the alert queue only when alerts are configured', async () => {
    const deps = createWorkerDeps(
      config({ ALERT_WEBHOOK_URL: 'http://127.0.0.1:1/hook' }),
      captureLogger('deps').logger,
    );
    try {
      expect(deps.queues.alerts).not.toBeNull();
      expect(deps.queues.alerts?.opts.connection).toBe(deps.redis);
    } finally {
      await deps.close();
    }
  });
});
