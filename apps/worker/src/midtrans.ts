/**
 * The worker process's one Midtrans client: confirmations of notifications and the sweep's
 * checks share it, and with it the fleet-wide rate limit and circuit held in Redis (one of each
 * for the whole fleet, whatever the number of processes).
 */
import {
  createMidtransClient,
  createRedisCircuitBreaker,
  createRedisRateLimiter,
  resolveMidtransBaseUrl,
  type CircuitBreaker,
  type MidtransClient,
} from '@lunas/midtrans';
import type { Logger, Redis } from '@lunas/runtime';
import type { WorkerConfig } from './config.js';

export interface FleetMidtrans {
  readonly client: MidtransClient;
  readonly circuit: CircuitBreaker;
}

export function createFleetMidtrans(deps: {
  readonly config: WorkerConfig;
  readonly redis: Redis;
  readonly logger: Logger;
  /** Wraps the client (call metrics and alerts); identity when absent. */
  readonly observe?: (client: MidtransClient) => MidtransClient;
}): FleetMidtrans {
  const { config, redis } = deps;
  const logger = deps.logger.child({ component: 'midtrans' });
  const prefix = config.QUEUE_PREFIX;
  const circuit = createRedisCircuitBreaker({
    redis,
    key: `${prefix}:midtrans:circuit`,
    threshold: config.MIDTRANS_CIRCUIT_THRESHOLD,
    cooldownMs: config.MIDTRANS_CIRCUIT_COOLDOWN_MS,
    probeLeaseMs: config.MIDTRANS_TIMEOUT_MS,
    logger,
  });
  const raw = createMidtransClient({
    serverKey: config.MIDTRANS_SERVER_KEY,
    baseUrl: resolveMidtransBaseUrl(config.MIDTRANS_API_BASE_URL, config.MIDTRANS_IS_PRODUCTION),
    timeoutMs: config.MIDTRANS_TIMEOUT_MS,
    rateLimiter: createRedisRateLimiter({
      redis,
      key: `${prefix}:midtrans:rate`,
      ratePerSecond: config.MIDTRANS_RATE_LIMIT,
      maxWaitMs: config.MIDTRANS_TIMEOUT_MS,
    }),
    circuit,
    logger,
  });
  return { client: deps.observe ? deps.observe(raw) : raw, circuit };
}
