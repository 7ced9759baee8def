import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisCircuitBreaker } from './circuit-breaker.js';
import { createRedisRateLimiter } from './rate-limiter.js';

const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const key = (name: string) => `lunas-test-midtrans-${randomBytes(5).toString('hex')}:${name}`;
const silent = { info: () => undefined, warn: () => undefined };
const keys: string[] = [];
afterAll(async () => {
  if (keys.length > 0) {
    await redis.del(...keys);
  }
  redis.disconnect();
});

describe('Redis rate limiter', () => {
  it('serves confirmations ahead of background checks: a background caller steps aside when the schedule is backed up', async () => {
    const k = key('priority');
    keys.push(k);
    const limiter = createRedisRateLimiter({
      redis,
      key: k,
      ratePerSecond: 10,
      maxWaitMs: 5_000,
      backgroundMaxWaitMs: 250,
    });
    // Five confirmations queue up: the next free slot is about 500 ms away.
    const confirmations = Array.from({ length: 5 }, () => limiter.acquire(undefined, 'confirm'));
    // A background check would wait longer than 250 ms: it gets no slot (and reserves none)...
    expect(await limiter.acquire(undefined, 'background')).toBeNull();
    // ...while a confirmation still queues behind the others.
    const late = limiter.acquire(undefined, 'confirm');
    await Promise.all(confirmations);
    expect(await late).toBeGreaterThan(0);
    // Once the schedule has drained, a background check gets its slot at once.
    expect(await limiter.acquire(undefined, 'background')).not.toBeNull();
  });

  it('spaces calls from several limiters sharing one key at 1/rate', async () => {
    const k = key('rate');
    keys.push(k);
    const limiters = [0, 1, 2].map(() =>
      createRedisRateLimiter({ redis, key: k, ratePerSecond: 20, maxWaitMs: 5_000 }),
    );
    const started = Date.now();
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 21 }, async (_, i) => {
        await limiters[i % 3]?.acquire();
        times.push(Date.now() - started);
      }),
    );
    // 21 slots at 50 ms: the last starts about 1 s after the first.
    expect(Math.max(...times)).toBeGreaterThanOrEqual(950);
    expect(Math.max(...times)).toBeLessThan(1_600);
  });

  it('refuses a slot further away than maxWaitMs, reserving nothing', async () => {
    const k = key('rate-wait');
    keys.push(k);
    const limiter = createRedisRateLimiter({ redis, key: k, ratePerSecond: 1, maxWaitMs: 100 });
    expect(await limiter.acquire()).toBe(0);
    expect(await limiter.acquire()).toBeNull();
  });
});

describe('Redis circuit breaker', () => {
  it('opens after N consecutive failures, lets one probe through after the cool-down, and closes on success', async () => {
    const k = key('circuit');
    keys.push(k);
    const circuit = createRedisCircuitBreaker({
      redis,
      key: k,
      threshold: 3,
      cooldownMs: 200,
      probeLeaseMs: 1_000,
      logger: silent,
    });
    const other = createRedisCircuitBreaker({
      redis,
      key: k,
      threshold: 3,
      cooldownMs: 200,
      probeLeaseMs: 1_000,
      logger: silent,
    });
    for (let i = 0; i < 2; i += 1) {
      await circuit.onFailure(false);
    }
    const seen = await circuit.allow();
    expect(seen).toEqual({ allowed: true, probe: false, clean: false });
    await circuit.onSuccess(seen); // a success that saw the failures resets the count
    for (let i = 0; i < 3; i += 1) {
      await circuit.onFailure(false);
    }
    expect(await other.allow()).toMatchObject({ allowed: false });
    expect(await other.openForMs()).toBeGreaterThan(0);
    const deadline = Date.now() + 2_000;
    let permit = await other.allow();
    while (!permit.allowed && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      permit = await other.allow();
    }
    expect(permit).toEqual({ allowed: true, probe: true, clean: false });
    // Only one probe at a time.
    expect(await circuit.allow()).toMatchObject({ allowed: false });
    await other.onSuccess(permit);
    expect(await circuit.allow()).toEqual({ allowed: true, probe: false, clean: true });
  });

  it('costs a clean success no write, and runs its scripts again after Redis lost them (NOSCRIPT)', async () => {
    const k = key('clean');
    keys.push(k);
    const circuit = createRedisCircuitBreaker({
      redis,
      key: k,
      threshold: 2,
      cooldownMs: 60_000,
      probeLeaseMs: 1_000,
      logger: silent,
    });
    const clean = await circuit.allow();
    expect(clean).toEqual({ allowed: true, probe: false, clean: true });
    // A marker in the hash: a success that went to Redis would delete it.
    await redis.hset(k, 'marker', '1');
    await circuit.onSuccess(clean);
    expect(await redis.hget(k, 'marker')).toBe('1');
    await redis.del(k);
    // A restarted or failed-over Redis has no scripts: EVALSHA fails, the script is sent whole.
    await redis.script('FLUSH');
    await circuit.onFailure(false);
    await circuit.onFailure(false);
    expect(await circuit.allow()).toMatchObject({ allowed: false });
    await redis.script('FLUSH');
    const limiter = createRedisRateLimiter({
      redis,
      key: key('noscript'),
      ratePerSecond: 1_000,
      maxWaitMs: 1_000,
    });
    expect(await limiter.acquire()).not.toBeNull();
  });
});
