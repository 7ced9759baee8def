/**
 * One Midtrans rate limit for the whole fleet, held in Redis. Every process reserves the next
 * free slot atomically (GCRA: one "theoretical arrival time" per key) and sleeps until it, so
 * calls are spaced 1/rate apart with no burst and no retry storms: at most rate (+1 at a window
 * edge) calls start in any second, whichever process makes them.
 *
 * The clock is Redis's TIME, so processes with skewed clocks still share one schedule.
 */

import { createHash } from 'node:crypto';

/** The slice of an ioredis client this needs (kept structural: no driver dependency here). */
export interface ScriptRedis {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  evalsha?(sha1: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/**
 * A Lua script run by its SHA1 (EVALSHA), sent whole only when Redis does not have it yet
 * (NOSCRIPT: a restarted or failed-over Redis). Sending the text on every call (EVAL) costs a
 * few hundred bytes and a hash on both sides for each Get Status; this is what ioredis's
 * defineCommand does, for any client of the ScriptRedis shape.
 */
export function luaScript(
  source: string,
): (redis: ScriptRedis, numKeys: number, ...args: (string | number)[]) => Promise<unknown> {
  const sha1 = createHash('sha1').update(source).digest('hex');
  return async (redis, numKeys, ...args) => {
    if (!redis.evalsha) {
      return redis.eval(source, numKeys, ...args);
    }
    try {
      return await redis.evalsha(sha1, numKeys, ...args);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return redis.eval(source, numKeys, ...args);
      }
      throw error;
    }
  };
}

// KEYS[1] tat key; ARGV[1] interval µs; ARGV[2] max wait µs.
// Returns the µs to wait before the reserved slot, or -1 when that would exceed the max wait
// (nothing is reserved then: the caller backs off instead of queueing forever).
const RESERVE = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now
if wait > tonumber(ARGV[2]) then return -1 end
redis.call('SET', KEYS[1], string.format('%.0f', tat + interval), 'PX', math.ceil((wait + interval) / 1000) + 1000)
return wait
`);

/**
 * Who asks. A confirmation (a notification about to change a payment, or a person pressing
 * "Sync payment status") queues for its slot up to maxWaitMs; a background check (the sweep)
 * takes a slot only when one is free within `backgroundMaxWaitMs`, so it never queues far
 * behind confirmations: when the fleet is busy confirming, sweep checks back off and wait.
 */
export type CallPriority = 'confirm' | 'background';

export interface RateLimiter {
  /**
   * Waits for a slot. Returns 0 (or the ms waited) when the caller may call Midtrans now, or
   * null when the queue of reservations is longer than this priority may wait.
   */
  acquire(signal?: AbortSignal, priority?: CallPriority): Promise<number | null>;
}

export interface RedisRateLimiterOptions {
  readonly redis: ScriptRedis;
  /** Redis key, e.g. `${prefix}:midtrans:rate`. */
  readonly key: string;
  /** Calls per second allowed across the fleet. */
  readonly ratePerSecond: number;
  /** Longest a caller waits for its slot before giving up (and retrying later), ms. */
  readonly maxWaitMs: number;
  /**
   * Longest a background caller waits for its slot; default 250 ms (at least two slot
   * intervals). Confirmations may queue up to maxWaitMs, so when they back the schedule up past
   * this, background checks step aside until it drains.
   */
  readonly backgroundMaxWaitMs?: number;
}

export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  if (!(options.ratePerSecond > 0)) {
    throw new RangeError('ratePerSecond must be positive');
  }
  const intervalUs = Math.max(1, Math.round(1_000_000 / options.ratePerSecond));
  const maxWaitUs = Math.max(0, Math.round(options.maxWaitMs * 1000));
  const backgroundMaxWaitUs = Math.min(
    maxWaitUs,
    Math.round((options.backgroundMaxWaitMs ?? Math.max(250, (2 * intervalUs) / 1000)) * 1000),
  );
  return {
    async acquire(signal, priority = 'confirm') {
      const limitUs = priority === 'background' ? backgroundMaxWaitUs : maxWaitUs;
      const waitUs = Number(await RESERVE(options.redis, 1, options.key, intervalUs, limitUs));
      if (waitUs < 0) {
        return null;
      }
      const waitMs = waitUs / 1000;
      if (waitMs >= 1) {
        await sleep(waitMs, signal);
      }
      return waitMs;
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
