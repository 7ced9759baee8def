/**
 * The fleet's Midtrans client: one client per process, and one rate limit and one circuit for
 * every process that calls Midtrans (workers, the API's replay, `npm run adopt`), held in Redis
 * under the deployment's prefix. Every caller builds its client here, so they cannot disagree
 * on the keys.
 */
import { createRedisCircuitBreaker, type CircuitBreaker } from './circuit-breaker.js';
import { createMidtransClient, type MidtransClient, type MidtransClientLogger } from './client.js';
import { createRedisRateLimiter, type ScriptRedis } from './rate-limiter.js';

export interface FleetMidtransOptions {
  readonly redis: ScriptRedis;
  /** QUEUE_PREFIX (hash-tagged on Redis Cluster): the keys are `<prefix>:midtrans:rate|circuit`. */
  readonly prefix: string;
  readonly serverKey: string;
  /** Core API base, no trailing slash (resolveMidtransBaseUrl). */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Calls per second across the fleet. */
  readonly ratePerSecond: number;
  readonly circuitThreshold: number;
  readonly circuitCooldownMs: number;
  readonly logger: MidtransClientLogger & { info(obj: object, msg?: string): void };
}

export interface FleetMidtrans {
  readonly client: MidtransClient;
  readonly circuit: CircuitBreaker;
}

export function createFleetMidtransClient(options: FleetMidtransOptions): FleetMidtrans {
  const { redis, prefix, logger } = options;
  const circuit = createRedisCircuitBreaker({
    redis,
    key: `${prefix}:midtrans:circuit`,
    threshold: options.circuitThreshold,
    cooldownMs: options.circuitCooldownMs,
    probeLeaseMs: options.timeoutMs,
    logger,
  });
  const client = createMidtransClient({
    serverKey: options.serverKey,
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    rateLimiter: createRedisRateLimiter({
      redis,
      key: `${prefix}:midtrans:rate`,
      ratePerSecond: options.ratePerSecond,
      maxWaitMs: options.timeoutMs,
    }),
    circuit,
    logger,
  });
  return { client, circuit };
}
