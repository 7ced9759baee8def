/**
 * A Redis lease that lets one sweep run at a time across the fleet. The scheduler makes one
 * job per tick, but a sweep longer than the interval would otherwise overlap the next tick's
 * job on another worker. Token-checked so a sweep whose lease ran out cannot release (or
 * extend) the next holder's lock.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface SweepLock {
  /** A token when this caller now holds the lock, null when another sweep does. */
  acquire(): Promise<string | null>;
  /** Renews the lease; false when it was lost (the caller should stop). */
  extend(token: string): Promise<boolean>;
  release(token: string): Promise<void>;
}

export function createSweepLock(redis: Redis, key: string, leaseMs: number): SweepLock {
  return {
    async acquire() {
      const token = randomUUID();
      const ok = await redis.set(key, token, 'PX', leaseMs, 'NX');
      return ok === 'OK' ? token : null;
    },
    async extend(token) {
      return Number(await redis.eval(EXTEND, 1, key, token, leaseMs)) === 1;
    },
    async release(token) {
      await redis.eval(RELEASE, 1, key, token);
    },
  };
}
