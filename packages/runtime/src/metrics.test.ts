import { describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { createMetrics, registerPaymentHealth, registerQueueDepth } from './metrics.js';

describe('metrics', () => {
  it('keeps each registry apart, so an API and a worker in one process do not collide', async () => {
    const api = createMetrics({ role: 'api', defaultMetrics: false });
    const worker = createMetrics({ role: 'worker', defaultMetrics: false });
    api.webhookRequests.inc({ outcome: 'queued' });
    expect(await api.render()).toContain('lunas_webhook_requests_total{outcome="queued",role="api"} 1');
    expect(await worker.render()).not.toContain('lunas_webhook_requests_total{');
  });

  it('names every series lunas_', async () => {
    const metrics = createMetrics({ role: 'worker' });
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names.length).toBeGreaterThan(10);
    expect(names.every((name) => name.startsWith('lunas_'))).toBe(true);
  });

  it('caches the Postgres counts between scrapes and keeps the last value when a count fails', async () => {
    const metrics = createMetrics({ role: 'api', defaultMetrics: false });
    let now = 0;
    let reads = 0;
    let fail = false;
    registerPaymentHealth(
      metrics,
      () => {
        reads += 1;
        return fail
          ? Promise.reject(new Error('db down'))
          : Promise.resolve({ stuck: reads, mismatches: { reversal: 2 } });
      },
      { cacheMs: 1_000, now: () => now },
    );
    expect(await metrics.render()).toContain('lunas_stuck_payments{role="api"} 1');
    await metrics.render();
    expect(reads).toBe(1);
    now = 5_000;
    fail = true;
    const text = await metrics.render();
    expect(reads).toBe(2);
    expect(text).toContain('lunas_stuck_payments{role="api"} 1');
    expect(text).toContain('lunas_payment_mismatches{kind="reversal",role="api"} 2');
  });

  it('gives up on a slow count within its timeout', async () => {
    const metrics = createMetrics({ role: 'api', defaultMetrics: false });
    registerPaymentHealth(metrics, () => new Promise(() => undefined), { timeoutMs: 50 });
    const started = Date.now();
    const text = await metrics.render();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(text).toContain('lunas_payment_health_scrape_errors_total{role="api"} 1');
  });

  it('caches queue counts for cacheMs and shares one read between concurrent scrapes', async () => {
    const metrics = createMetrics({ role: 'api', defaultMetrics: false });
    let now = 0;
    let reads = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const queue = {
      name: 'payment-notifications',
      async getJobCounts() {
        reads += 1;
        await gate;
        return { waiting: reads, delayed: 0, active: 0, failed: 0, prioritized: 0 };
      },
    } as unknown as Queue;
    registerQueueDepth(metrics, [queue], { cacheMs: 5_000, now: () => now });
    const scrapes = Promise.all([metrics.render(), metrics.render(), metrics.render()]);
    release();
    for (const text of await scrapes) {
      expect(text).toContain('lunas_queue_jobs{queue="payment-notifications",state="waiting",role="api"} 1');
    }
    expect(reads).toBe(1);
    now = 4_999;
    await metrics.render();
    expect(reads).toBe(1);
    now = 5_000;
    expect(await metrics.render()).toContain('state="waiting",role="api"} 2');
    expect(reads).toBe(2);
  });
});
