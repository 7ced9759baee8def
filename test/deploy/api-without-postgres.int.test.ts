// The webhook path never needs Postgres, not even at start: a real API process pointed at a
// Postgres that refuses connections (a closed port) starts, answers 200 to a signed
// notification, and the job is in the real Redis.
import { spawn } from 'node:child_process';
import { QUEUES, type NotificationJobData } from '@lunas/core';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/chaos/processes.js';
import { RUN_SOURCES } from '../../scripts/run-sources.js';
import { signedNotification, TEST_SERVER_KEY } from '../harness/notifications.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../harness/redis.js';
import { exitOf, REPO_ROOT } from '../harness/system.js';
import { waitFor } from '../harness/wait-for.js';

const prefix = testPrefix('nopg');
afterAll(async () => {
  await deletePrefix(prefix);
});

describe('the API process while Postgres refuses connections', () => {
  it('starts, answers 200 to a signed notification, and the job is in Redis', async () => {
    const closedPort = await freePort();
    const child = spawn(process.execPath, [...RUN_SOURCES, 'apps/api/src/main.ts'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/lunas`,
        REDIS_URL,
        // The shared test Redis's eviction policy is not this test's concern.
        REDIS_ALLOW_EVICTION: 'true',
        QUEUE_PREFIX: prefix,
        MIDTRANS_SERVER_KEY: TEST_SERVER_KEY,
        ADMIN_TOKEN: 'prod-admin-token-3f9c1b7e5d2a4c6f8e0b9d7a5c3e1f2a',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
    const queue = new Queue(QUEUES.notifications, { connection: { url: REDIS_URL }, prefix });
    try {
      const url = await waitFor(
        () => {
          if (child.exitCode !== null) {
            throw new Error(`API exited ${child.exitCode}: ${output.join('')}`);
          }
          return /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output.join(''))?.[1];
        },
        { timeoutMs: 20_000, what: 'API listening without Postgres' },
      );
      const orderId = `NOPG-${Date.now()}`;
      const response = await fetch(`${url}/webhooks/midtrans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(signedNotification({ order_id: orderId, transaction_status: 'settlement' })),
      });
      expect(response.status).toBe(200);
      const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
      const orderIds = jobs.map(
        (job) => (JSON.parse((job.data as NotificationJobData).rawBody) as { order_id: string }).order_id,
      );
      expect(orderIds).toContain(orderId);
      expect(child.exitCode).toBeNull();
    } finally {
      await queue.close();
      child.kill('SIGTERM');
      await exitOf(child, 20_000);
    }
  });
});
