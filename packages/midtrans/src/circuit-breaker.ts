/**
 * A circuit breaker for Midtrans shared by the fleet through Redis: after `threshold`
 * consecutive retryable failures (429, 5xx, timeouts) it opens for `cooldownMs`, during which
 * nobody calls Midtrans; then one caller at a time probes (half-open). A success closes it, a
 * failed probe opens it again for another cool-down.
 *
 * State lives in one hash: failures (consecutive count), openUntil (ms, Redis clock) and
 * probeUntil (lease of the current half-open probe). Scripts keep each step atomic.
 */
import { luaScript, type ScriptRedis } from './rate-limiter.js';

const NOW_MS = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// ARGV[1] probe lease ms. Returns {allowed 0|1, probe 0|1, retryInMs, clean 0|1}; clean: the
// circuit is closed and counts no failure (a success then has nothing to reset).
const ALLOW = luaScript(`${NOW_MS}
local state = redis.call('HMGET', KEYS[1], 'openUntil', 'failures')
local openUntil = tonumber(state[1] or '0')
if openUntil == 0 then
  if tonumber(state[2] or '0') == 0 then return {1, 0, 0, 1} end
  return {1, 0, 0, 0}
end
if now < openUntil then return {0, 0, openUntil - now} end
local probeUntil = tonumber(redis.call('HGET', KEYS[1], 'probeUntil') or '0')
if probeUntil > now then return {0, 0, probeUntil - now} end
redis.call('HSET', KEYS[1], 'probeUntil', now + tonumber(ARGV[1]))
return {1, 1, 0, 0}
`);

// Returns the ms the circuit stays fully open (0 when closed or ready for a probe).
const OPEN_FOR = luaScript(`${NOW_MS}
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if openUntil > now then return openUntil - now end
return 0
`);

// Returns 1 when this success closed an open circuit.
const SUCCESS = luaScript(`
local wasOpen = redis.call('HGET', KEYS[1], 'openUntil')
redis.call('DEL', KEYS[1])
if wasOpen and wasOpen ~= '0' then return 1 end
return 0
`);

// ARGV[1] threshold, ARGV[2] cooldown ms, ARGV[3] 1 if this call was the half-open probe.
// Returns 0 (still closed), 1 (opened now), 2 (probe failed: reopened), 3 (already open).
const FAILURE = luaScript(`${NOW_MS}
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if openUntil > 0 then
  if ARGV[3] == '1' then
    redis.call('HSET', KEYS[1], 'openUntil', now + tonumber(ARGV[2]), 'probeUntil', 0, 'failures', 0)
    return 2
  end
  return 3
end
local n = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if n >= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'openUntil', now + tonumber(ARGV[2]), 'probeUntil', 0, 'failures', 0)
  return 1
end
return 0
`);

export type CircuitPermit =
  | {
      readonly allowed: true;
      readonly probe: boolean;
      /**
       * The circuit was closed with no failure counted when the call was allowed: its success
       * has nothing to reset, and onSuccess(permit) skips the round trip to Redis. (A failure
       * counted by another process meanwhile is reset by the next success that saw it.)
       */
      readonly clean?: boolean;
    }
  | { readonly allowed: false; readonly retryInMs: number };

export interface CircuitLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

export interface CircuitBreaker {
  /** May a call go out now? A half-open circuit lets exactly one probe through. */
  allow(): Promise<CircuitPermit>;
  /** A call succeeded; with the call's permit, a clean circuit costs no round trip. */
  onSuccess(permit?: CircuitPermit): Promise<void>;
  onFailure(probe: boolean, detail?: object): Promise<void>;
  /**
   * Read-only view for the sweep: ms the circuit stays fully open, 0 when closed or half-open
   * (a half-open circuit needs callers, or nobody would ever probe and close it).
   */
  openForMs(): Promise<number>;
}

export interface RedisCircuitBreakerOptions {
  readonly redis: ScriptRedis;
  /** Redis key, e.g. `${prefix}:midtrans:circuit`. */
  readonly key: string;
  /** Consecutive retryable failures that open the circuit. */
  readonly threshold: number;
  /** How long it stays open before a probe, ms. */
  readonly cooldownMs: number;
  /** How long one probe holds the half-open slot (the call's timeout), ms. */
  readonly probeLeaseMs: number;
  readonly logger: CircuitLogger;
}

export function createRedisCircuitBreaker(options: RedisCircuitBreakerOptions): CircuitBreaker {
  const { redis, key, logger } = options;
  return {
    async allow() {
      const [allowed, probe, retryInMs, clean] = (await ALLOW(redis, 1, key, options.probeLeaseMs)) as [
        number,
        number,
        number,
        number,
      ];
      if (allowed === 1) {
        if (probe === 1) {
          logger.info({ circuit: key }, 'Midtrans circuit half-open: probing with one call');
        }
        return { allowed: true, probe: probe === 1, clean: clean === 1 };
      }
      return { allowed: false, retryInMs: Math.max(1, retryInMs) };
    },
    async onSuccess(permit) {
      if (permit?.allowed && permit.clean) {
        return;
      }
      if (Number(await SUCCESS(redis, 1, key)) === 1) {
        logger.info({ circuit: key }, 'Midtrans circuit closed: calls resume');
      }
    },
    async onFailure(probe, detail = {}) {
      const result = Number(
        await FAILURE(redis, 1, key, options.threshold, options.cooldownMs, probe ? 1 : 0),
      );
      if (result === 1) {
        logger.warn(
          { ...detail, circuit: key, threshold: options.threshold, cooldownMs: options.cooldownMs },
          'Midtrans circuit opened: too many consecutive failures; pausing calls',
        );
      } else if (result === 2) {
        logger.warn(
          { ...detail, circuit: key, cooldownMs: options.cooldownMs },
          'Midtrans circuit probe failed; open for another cool-down',
        );
      }
    },
    async openForMs() {
      return Number(await OPEN_FOR(redis, 1, key));
    },
  };
}
