/**
 * The fast path for the incident's race. A notification that finds no payment row waits in
 * BullMQ's delayed set; its job id is remembered here, under the order code, in Redis. When
 * the shop inserts the payment row, a trigger NOTIFYs (at commit) and any worker promotes the
 * waiting jobs, so the notification applies within about a second, not at the next backoff.
 *
 * Redis holds this registry, not process memory, so it survives worker restarts and works
 * across a fleet: whichever worker hears the NOTIFY can promote any job.
 */
import { Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

const TTL_SECONDS = 3 * 24 * 3600;

export class AwaitingPayments {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly queue: Queue,
    private readonly logger: Logger,
  ) {}

  private key(orderCode: string): string {
    return `${this.prefix}:awaiting-payment:${orderCode}`;
  }

  async remember(orderCode: string, jobId: string): Promise<void> {
    const key = this.key(orderCode);
    await this.redis.multi().sadd(key, jobId).expire(key, TTL_SECONDS).exec();
  }

  async forget(orderCode: string, jobId: string): Promise<void> {
    await this.redis.srem(this.key(orderCode), jobId);
  }

  /**
   * Promotes every job waiting for this order. A job may still be active (it has just found no
   * row and is about to be delayed): such a job is retried for a short, bounded while.
   */
  async wake(orderCode: string): Promise<number> {
    const jobIds = await this.redis.smembers(this.key(orderCode));
    let promoted = 0;
    for (const jobId of jobIds) {
      if (await this.promoteWhenDelayed(orderCode, jobId)) {
        promoted += 1;
      }
    }
    return promoted;
  }

  private async promoteWhenDelayed(orderCode: string, jobId: string): Promise<boolean> {
    for (let tries = 0; tries < 30; tries += 1) {
      const job = await Job.fromId(this.queue, jobId);
      if (!job) {
        await this.forget(orderCode, jobId);
        return false;
      }
      const state = await job.getState();
      if (state === 'delayed') {
        try {
          await job.promote();
          this.logger.info({ orderCode, jobId }, 'payment row appeared; waiting notification promoted');
          return true;
        } catch (error) {
          // Another worker promoted it first, or it moved on by itself.
          this.logger.debug({ orderCode, jobId, err: error }, 'promote skipped');
          return false;
        }
      }
      if (state !== 'active' && state !== 'waiting' && state !== 'prioritized') {
        if (state === 'completed' || state === 'unknown') {
          await this.forget(orderCode, jobId);
        }
        return false;
      }
      if (state !== 'active') {
        return false; // already queued to run
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }
}
