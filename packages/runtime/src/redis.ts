/**
 * Redis connections, made the two ways BullMQ needs them:
 * - a producer connection that fails fast (no offline queue, one retry per command), so the API
 *   answers 503 instead of holding Midtrans's request while Redis is away;
 * - a worker connection that waits (maxRetriesPerRequest null), so a consumer rides out an
 *   outage and resumes by itself.
 *
 * Each goes to the process's one RedisTarget (core's redisTargetOf): a standalone URL, a Redis
 * Cluster (an ioredis Cluster) or a Sentinel-managed master. A plain URL string still means
 * standalone. The Cluster client is typed as Redis for its callers: it answers the same
 * commands (eval, multi, ping, publish, subscribe, duplicate, …) and BullMQ accepts both.
 */
import { redisTargetOf, type RedisTarget } from '@lunas/core';
import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

export type { Redis } from 'ioredis';
export type { RedisTarget } from '@lunas/core';
export { redisTargetOf };

type Role = 'producer' | 'worker' | 'subscriber';

const retryStrategy = (times: number): number => Math.min(times * 200, 2_000);

/**
 * Producer: fails fast (no offline queue, one retry). Worker and subscriber: wait for Redis.
 * Commands issued in the same tick share one round trip (auto-pipelining): the webhook path's
 * main lever.
 */
const fastFail = (role: Role) => role === 'producer';

/** A connection of `role` to `target`: the one place Lunas opens Redis connections. */
export function connectRedis(target: RedisTarget | string, role: Role): Redis {
  const resolved: RedisTarget = typeof target === 'string' ? { kind: 'standalone', url: target } : target;
  const perCommand = fastFail(role)
    ? { maxRetriesPerRequest: 1, connectTimeout: 2_000 }
    : { maxRetriesPerRequest: null, enableReadyCheck: false };
  const queueing = fastFail(role) ? { enableOfflineQueue: false, enableAutoPipelining: true } : {};
  if (resolved.kind === 'standalone') {
    return new Redis(resolved.url, { ...perCommand, ...queueing, retryStrategy });
  }
  const credentials = {
    ...(resolved.username ? { username: resolved.username } : {}),
    ...(resolved.password ? { password: resolved.password } : {}),
  };
  if (resolved.kind === 'sentinel') {
    return new Redis({
      ...perCommand,
      // The ready check is where ioredis verifies that the node the sentinels named is still the
      // master (during a failover it can be a just-demoted one): keep it for every role here.
      enableReadyCheck: true,
      // A write that meets a replica (READONLY) reconnects, through the sentinels, and is resent.
      reconnectOnError: (error: Error) => (error.message.startsWith('READONLY') ? 2 : false),
      ...queueing,
      retryStrategy,
      ...credentials,
      sentinels: resolved.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: resolved.masterName,
      ...(resolved.sentinelPassword ? { sentinelPassword: resolved.sentinelPassword } : {}),
      ...(resolved.tls ? { tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      // No failoverDetector: in ioredis 6 its +switch-master disconnect, landing while the
      // connection is still resolving the master through the sentinels, ends the connection for
      // good (seen in `npm run chaos -- --redis sentinel`). A killed master drops the connection
      // anyway, and the ready check above catches a demoted one.
      sentinelRetryStrategy: retryStrategy,
    });
  }
  return new Cluster(
    resolved.nodes.map((n) => ({ host: n.host, port: n.port })),
    {
      ...queueing,
      ...(fastFail(role) ? {} : { enableReadyCheck: false }),
      redisOptions: {
        maxRetriesPerRequest: perCommand.maxRetriesPerRequest,
        ...(fastFail(role) ? { connectTimeout: 2_000 } : {}),
        ...credentials,
        ...(resolved.tls ? { tls: {} } : {}),
      },
      clusterRetryStrategy: retryStrategy,
      // During a failover the slot's master answers CLUSTERDOWN / TRYAGAIN or is gone: retry
      // briefly on the promoted replica instead of failing the command.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
      slotsRefreshTimeout: 2_000,
      // Managed TLS clusters (ElastiCache, MemoryDB) need the certificate's host name, not its IP.
      ...(resolved.tls
        ? {
            dnsLookup: (address: string, callback: (err: null, address: string) => void) =>
              callback(null, address),
          }
        : {}),
    },
  ) as unknown as Redis;
}

/** True when `redis` is an ioredis Cluster (its WAIT must go to the slot's master). */
export function isClusterConnection(redis: Redis): boolean {
  return (redis as unknown as { isCluster?: boolean }).isCluster === true;
}

export function createProducerRedis(target: RedisTarget | string, logger: Logger): Redis {
  const redis = connectRedis(target, 'producer');
  attachLogging(redis, logger, 'producer');
  return redis;
}

export function createWorkerRedis(target: RedisTarget | string, logger: Logger): Redis {
  const redis = connectRedis(target, 'worker');
  attachLogging(redis, logger, 'worker');
  return redis;
}

/**
 * Redis WAIT on the connection that wrote: resolves with how many replicas have acknowledged
 * every write this connection made before the call, waiting at most `timeoutMs`. On a Cluster
 * the command goes to the master of `key`'s slot (WAIT has no key, so the client would pick a
 * random node), over the same per-node connection that carried the writes.
 */
export async function waitForReplicas(
  redis: Redis,
  key: string,
  minReplicas: number,
  timeoutMs: number,
): Promise<number> {
  const timeout = String(Math.max(1, Math.floor(timeoutMs))); // WAIT … 0 would block forever
  if (!isClusterConnection(redis)) {
    return Number(await redis.call('WAIT', String(minReplicas), timeout));
  }
  const cluster = redis as unknown as Cluster;
  const master = await slotMaster(cluster, key);
  return Number(await master.call('WAIT', String(minReplicas), timeout));
}

const slotOfKey = new WeakMap<Cluster, Map<string, number>>();

async function slotMaster(cluster: Cluster, key: string): Promise<Redis> {
  let slots = slotOfKey.get(cluster);
  if (!slots) {
    slots = new Map();
    slotOfKey.set(cluster, slots);
  }
  let slot = slots.get(key);
  if (slot === undefined) {
    slot = Number(await cluster.call('CLUSTER', 'KEYSLOT', key));
    slots.set(key, slot);
  }
  const nodeKey = cluster.slots[slot]?.[0];
  const master = cluster
    .nodes('master')
    .find((node) => `${node.options.host ?? ''}:${node.options.port ?? ''}` === nodeKey);
  if (!master) {
    throw new Error(`no known master for cluster slot ${slot}`);
  }
  return master;
}

function attachLogging(redis: Redis, logger: Logger, role: string): void {
  let lastLogged = 0;
  redis.on('error', (error: Error) => {
    // An outage emits an error per reconnect attempt; one line every 5 s is enough.
    const now = Date.now();
    if (now - lastLogged > 5_000) {
      lastLogged = now;
      logger.warn(
        { role, err: { message: error.message, code: (error as { code?: string }).code } },
        'redis connection error',
      );
    }
  });
}
