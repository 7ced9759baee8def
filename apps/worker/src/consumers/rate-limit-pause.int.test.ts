/**
 * The reconcile worker has no rate limit of its own (the Midtrans client's fleet-wide limiter is
 * the one bound), yet queue.rateLimit() must still pause it fleet-wide on a 429 or an open
 * circuit. Real Redis, real BullMQ: with RATE_LIMIT_PAUSE_SWITCH, a paused queue starts nothing
 * until the pause ends, and an unpaused one starts jobs far faster than any Midtrans rate.
 */
import { Queue, Worker, type Job } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, REDIS_URL, testPrefix } from '../../../../test/harness/redis.js';
import { waitFor } from '../../../../test/harness/wait-for.js';
import { RATE_LIMIT_PAUSE_SWITCH } from './reconcile-workers.js';

const prefix = testPrefix('pause');
const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
const queue = new Queue('pause-switch', { connection, prefix });
const started: { id: string; at: number }[] = [];
const worker = new Worker(
  'pause-switch',
  (job: Job) => {
    started.push({ id: job.id ?? '', at: Date.now() });
    return Promise.resolve();
  },
  { connection, prefix, concurrency: 8, limiter: RATE_LIMIT_PAUSE_SWITCH },
);

afterAll(async () => {
  await worker.close();
  await queue.close();
  await deletePrefix(prefix);
});

describe('RATE_LIMIT_PAUSE_SWITCH', () => {
  it('does not bound job starts by itself', async () => {
    await queue.addBulk(
      Array.from({ length: 200 }, (_, i) => ({ name: 'run', data: {}, opts: { jobId: `free-${i}` } })),
    );
    await waitFor(() => started.filter((s) => s.id.startsWith('free-')).length === 200 || null, {
      timeoutMs: 10_000,
      what: '200 jobs started',
    });
    const free = started.filter((s) => s.id.startsWith('free-'));
    // 200 starts well within 1 s: no limit anywhere near a Midtrans rate (default 20/s).
    expect((free.at(-1)?.at ?? 0) - (free[0]?.at ?? 0)).toBeLessThan(1_000);
  });

  it('lets queue.rateLimit() pause every worker of the queue', async () => {
    const pausedAt = Date.now();
    await queue.rateLimit(1_500);
    await queue.add('run', {}, { jobId: 'paused-1' });
    await waitFor(() => started.some((s) => s.id === 'paused-1') || null, {
      timeoutMs: 10_000,
      what: 'the job after the pause',
    });
    const run = started.find((s) => s.id === 'paused-1');
    expect((run?.at ?? 0) - pausedAt).toBeGreaterThanOrEqual(1_400);
  });
});
