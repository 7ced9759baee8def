// ENQUEUE_MIN_REPLICAS on a Redis with too few replicas (the shared test Redis has none): the
// webhook answers 503 within ENQUEUE_TIMEOUT_MS, which Midtrans retries, and never 200. The
// job may sit on the master; the retry carries the same job id, so it is not added twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedNotification } from '../harness/notifications.js';
import { startSystem, type TestSystem } from '../harness/system.js';

let system: TestSystem;

beforeAll(async () => {
  system = await startSystem({
    label: 'rhamin',
    withWorker: false,
    env: { ENQUEUE_MIN_REPLICAS: '1', ENQUEUE_TIMEOUT_MS: '300' },
  });
});
afterAll(async () => {
  await system?.close();
});

describe('ENQUEUE_MIN_REPLICAS above the replicas Redis has', () => {
  it('answers 503 within the bound, and again on the retry, with one job', async () => {
    const body = JSON.stringify(
      signedNotification({ order_id: 'MINREP-1', transaction_status: 'settlement' }),
    );
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const started = Date.now();
      const response = await fetch(system.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(2_000);
    }
    expect(await system.queue.getJobCounts('wait', 'delayed', 'active')).toMatchObject({ wait: 1 });
  });
});
