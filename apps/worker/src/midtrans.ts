/**
 * The worker process's one Midtrans client: confirmations of notifications and the sweep's
 * checks share it, and with it the fleet-wide rate limit and circuit held in Redis (one of each
 * for the whole fleet, whatever the number of processes; createFleetMidtransClient).
 */
import {
  createFleetMidtransClient,
  resolveMidtransBaseUrl,
  type FleetMidtrans,
  type MidtransClient,
} from '@lunas/midtrans';
import type { Logger, Redis } from '@lunas/runtime';
import type { WorkerConfig } from './config.js';

export type { FleetMidtrans } from '@lunas/midtrans';

export function createFleetMidtrans(deps: {
  readonly config: WorkerConfig;
  readonly redis: Redis;
  readonly logger: Logger;
  /** Wraps the client (call metrics and alerts); identity when absent. */
  readonly observe?: (client: MidtransClient) => MidtransClient;
}): FleetMidtrans {
  const { config } = deps;
  const fleet = createFleetMidtransClient({
    redis: deps.redis,
    prefix: config.QUEUE_PREFIX,
    serverKey: config.MIDTRANS_SERVER_KEY,
    baseUrl: resolveMidtransBaseUrl(config.MIDTRANS_API_BASE_URL, config.MIDTRANS_IS_PRODUCTION),
    timeoutMs: config.MIDTRANS_TIMEOUT_MS,
    ratePerSecond: config.MIDTRANS_RATE_LIMIT,
    circuitThreshold: config.MIDTRANS_CIRCUIT_THRESHOLD,
    circuitCooldownMs: config.MIDTRANS_CIRCUIT_COOLDOWN_MS,
    logger: deps.logger.child({ component: 'midtrans' }),
  });
  const client = deps.observe ? deps.observe(fleet.client) : fleet.client;
  // The observer wraps getStatus; closing reaches the client's own connections.
  return {
    client: { ...client, close: () => fleet.client.close?.() ?? Promise.resolve() },
    circuit: fleet.circuit,
  };
}
