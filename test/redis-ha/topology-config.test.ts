// The Redis topology variables: parsed, checked together, the hash tag added in cluster mode,
// and the target every connection of a process uses.
import { loadApiConfig } from '@lunas/api';
import { redisTargetOf } from '@lunas/core';
import { loadWorkerConfig } from '@lunas/worker';
import { describe, expect, it } from 'vitest';

describe('Redis topology configuration', () => {
  it('stays standalone by default, with the prefix as given', () => {
    const config = loadApiConfig({ QUEUE_PREFIX: 'shop' });
    expect(config.QUEUE_PREFIX).toBe('shop');
    expect(config.ENQUEUE_MIN_REPLICAS).toBe(0);
    expect(redisTargetOf(config)).toEqual({ kind: 'standalone', url: 'redis://127.0.0.1:6379' });
  });

  it('selects a cluster and hash-tags the prefix for the API and the worker alike', () => {
    const env = {
      QUEUE_PREFIX: 'shop',
      REDIS_CLUSTER_NODES: 'r1:7000, r2:7001,[::1]:7002',
      REDIS_PASSWORD: 'pw-secret-1234',
      REDIS_TLS: 'true',
    };
    for (const config of [loadApiConfig(env), loadWorkerConfig(env)]) {
      expect(config.QUEUE_PREFIX).toBe('{shop}');
      expect(redisTargetOf(config)).toEqual({
        kind: 'cluster',
        nodes: [
          { host: 'r1', port: 7000 },
          { host: 'r2', port: 7001 },
          { host: '::1', port: 7002 },
        ],
        username: undefined,
        password: 'pw-secret-1234',
        tls: true,
      });
    }
  });

  it('selects Sentinel with its master name, prefix unchanged', () => {
    const config = loadWorkerConfig({
      REDIS_SENTINELS: 's1:26379,s2:26379,s3:26379',
      REDIS_SENTINEL_MASTER: 'lunas',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
    });
    expect(config.QUEUE_PREFIX).toBe('lunas');
    expect(redisTargetOf(config)).toMatchObject({
      kind: 'sentinel',
      masterName: 'lunas',
      sentinelPassword: 'sentinel-secret',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
        { host: 's3', port: 26379 },
      ],
    });
  });

  it('refuses contradictory or incomplete settings with a message naming the variables, not values', () => {
    expect(() =>
      loadApiConfig({ REDIS_CLUSTER_NODES: 'a:1', REDIS_SENTINELS: 'b:2', REDIS_SENTINEL_MASTER: 'm' }),
    ).toThrow(/REDIS_CLUSTER_NODES and REDIS_SENTINELS/);
    expect(() => loadApiConfig({ REDIS_SENTINELS: 'b:2' })).toThrow(/REDIS_SENTINEL_MASTER is required/);
    expect(() => loadApiConfig({ REDIS_SENTINEL_MASTER: 'm' })).toThrow(/REDIS_SENTINELS is not/);
    expect(() => loadApiConfig({ REDIS_CLUSTER_NODES: 'no-port' })).toThrow(/REDIS_CLUSTER_NODES/);
    expect(() => loadApiConfig({ REDIS_CLUSTER_NODES: 'a:99999' })).toThrow(/REDIS_CLUSTER_NODES/);
    expect(() => loadApiConfig({ ENQUEUE_MIN_REPLICAS: '-1' })).toThrow(/ENQUEUE_MIN_REPLICAS/);
    let message = '';
    try {
      loadApiConfig({ REDIS_SENTINELS: 'b:2', REDIS_PASSWORD: 'pw-secret-1234' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain('pw-secret-1234');
  });
});
