/**
 * `npm run chaos -- --redis cluster|sentinel`: the chaos run on a real Redis Cluster (3 masters,
 * 3 replicas) or a Sentinel setup (master, replica, three sentinels) instead of one Redis. The
 * Redis fault is then a master SIGKILL and the failover: the cluster (or the sentinels)
 * promote its replica, and the killed node is restarted and rejoins as the new replica. Every
 * Lunas process runs with ENQUEUE_MIN_REPLICAS=1, so a 200 survives the kill.
 */
import { hashTaggedPrefix } from '@lunas/core';
import { Cluster, Redis } from 'ioredis';
import {
  startRedisCluster,
  startRedisSentinel,
  type ClusterTopology,
  type SentinelTopology,
} from '../../test/harness/redis-topology.js';

export type ChaosRedisKind = 'standalone' | 'cluster' | 'sentinel';

export interface ChaosTopology {
  readonly kind: 'cluster' | 'sentinel';
  /** What every API and worker process gets on top of the standalone settings. */
  readonly env: Record<string, string>;
  /** The prefix the processes' keys actually carry (hash-tagged in cluster mode). */
  readonly prefix: string;
  readonly describe: string;
  readonly faultLabel: string;
  /** Kills the master, waits for the failover, restarts the killed node as a replica. */
  fault(): Promise<void>;
  /** A connection for the run's own reads (queue counts at the end). */
  connection(): Redis | Cluster;
  stop(): Promise<void>;
}

export function parseRedisKind(value: string | undefined): ChaosRedisKind {
  if (value === undefined || value === 'standalone' || value === 'cluster' || value === 'sentinel') {
    return value ?? 'standalone';
  }
  throw new Error(`--redis must be standalone, cluster or sentinel (got ${value})`);
}

export async function startChaosTopology(
  kind: 'cluster' | 'sentinel',
  prefix: string,
): Promise<ChaosTopology> {
  if (kind === 'cluster') {
    const cluster: ClusterTopology = await startRedisCluster();
    const tagged = hashTaggedPrefix(prefix);
    const slotKey = `${tagged}:payment-notifications:id`;
    return {
      kind,
      env: { REDIS_CLUSTER_NODES: cluster.nodesEnv, ENQUEUE_MIN_REPLICAS: '1' },
      prefix: tagged,
      describe: `redis cluster ${cluster.nodesEnv}`,
      faultLabel: "SIGKILL the master of Lunas's cluster slot, failover, restart it as a replica",
      async fault() {
        const killed = await cluster.killMasterOf(slotKey);
        await cluster.waitForFailover(slotKey, killed);
        await cluster.restart(killed);
      },
      connection: () => new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port }))),
      stop: () => cluster.stop(),
    };
  }
  const sentinel: SentinelTopology = await startRedisSentinel();
  return {
    kind,
    env: {
      REDIS_SENTINELS: sentinel.sentinelsEnv,
      REDIS_SENTINEL_MASTER: sentinel.masterName,
      ENQUEUE_MIN_REPLICAS: '1',
    },
    prefix,
    describe: `redis sentinel ${sentinel.sentinelsEnv} (${sentinel.masterName})`,
    faultLabel: 'SIGKILL the Sentinel-managed master, failover, restart it as a replica',
    async fault() {
      const killed = await sentinel.killMaster();
      await sentinel.waitForFailover(killed);
      await sentinel.restart(killed);
    },
    connection: () =>
      new Redis({
        sentinels: sentinel.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
        name: sentinel.masterName,
      }),
    stop: () => sentinel.stop(),
  };
}
