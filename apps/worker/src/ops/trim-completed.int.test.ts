/** The start-up trim of kept completed jobs, against the real Redis and BullMQ. */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, REDIS_URL, testPrefix } from '../../../../test/harness/redis.js';
import { waitFor } from '../../../../test/harness/wait-for.js';
import { trimCompletedJobs } from './trim-completed.js';

const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const prefix = testPrefix('trim');
afterAll(async () => {
  await deletePrefix(prefix);
  connection.disconnect();
});

describe('trimCompletedJobs', () => {
  it('removes the oldest completed jobs down to the count, a slice at a time, and keeps the newest', async () => {
    const queue = new Queue('trim-test', { connection, prefix });
    const jobs = Array.from({ length: 1_200 }, (_, i) => ({
      name: 'n',
      data: {},
      opts: { jobId: `job-${String(i).padStart(4, '0')}`, removeOnComplete: false },
    }));
    // Added and completed in order, so job-0000 finished first.
    const worker = new Worker('trim-test', () => Promise.resolve('ok'), {
      connection,
      prefix,
      concurrency: 1,
    });
    try {
      await queue.addBulk(jobs);
      await waitFor(async () => (await queue.getCompletedCount()) === 1_200, {
        timeoutMs: 30_000,
        what: '1,200 completed jobs',
      });
    } finally {
      await worker.close();
    }
    const slices: number[] = [];
    const sliced = {
      getCompletedCount: () => queue.getCompletedCount(),
      clean: async (grace: number, limit: number, type: 'completed') => {
        slices.push(limit);
        return queue.clean(grace, limit, type);
      },
    };
    expect(await trimCompletedJobs(sliced, { keep: 500, slice: 100 })).toBe(700);
    expect(slices).toEqual(Array.from({ length: 7 }, () => 100));
    expect(await queue.getCompletedCount()).toBe(500);
    expect(await queue.getJob('job-0699')).toBeUndefined();
    expect(await queue.getJob('job-0700')).toBeDefined();
    expect(await queue.getJob('job-1199')).toBeDefined();
    // Within a slice of the count, it leaves the pruning to the completion scripts.
    expect(await trimCompletedJobs(queue, { keep: 450, slice: 100 })).toBe(0);
    await queue.close();
  });
});
