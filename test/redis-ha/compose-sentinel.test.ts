// Docker does not run on CI machines, so the Sentinel profile of docker-compose.yml is checked
// by reading it: a master, a replica of it, three sentinels watching it with a quorum of 2, all
// behind `profiles: [sentinel]`, and Lunas's env lines that select it (empty by default).
import { readFileSync } from 'node:fs';
import { loadApiConfig } from '@lunas/api';
import { redisTargetOf } from '@lunas/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Service {
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const { services } = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), {
  merge: true,
}) as { services: Record<string, Service> };

const SENTINEL_SERVICES = ['redis-primary', 'redis-replica', 'sentinel-1', 'sentinel-2', 'sentinel-3'];

describe('docker-compose.yml: the sentinel profile', () => {
  it('puts a master, a replica and three sentinels behind profiles: [sentinel] only', () => {
    for (const name of SENTINEL_SERVICES) {
      expect(services[name]?.profiles, name).toEqual(['sentinel']);
      expect(services[name]?.healthcheck?.test, name).toBeDefined();
    }
    const profiled = Object.entries(services).filter(([, s]) => s.profiles?.includes('sentinel'));
    expect(profiled.map(([name]) => name).sort()).toEqual([...SENTINEL_SERVICES].sort());
  });

  it('keeps both data nodes durable and makes the replica follow the master', () => {
    for (const name of ['redis-primary', 'redis-replica']) {
      const command = (services[name]?.command ?? []).join(' ');
      expect(command, name).toContain('--appendonly yes');
      expect(command, name).toContain('--maxmemory-policy noeviction');
    }
    expect((services['redis-replica']?.command ?? []).join(' ')).toContain('--replicaof redis-primary 6379');
  });

  it('has each sentinel monitor the master as "lunas" with a quorum of 2', () => {
    for (const name of ['sentinel-1', 'sentinel-2', 'sentinel-3']) {
      const script = (services[name]?.command ?? []).join(' ');
      expect(script, name).toContain('sentinel monitor lunas redis-primary 6379 2');
      expect(script, name).toContain('--sentinel');
      expect(script, name).toContain('port 26379');
    }
  });

  it('gives the api and the workers the variables that select it, standalone by default', () => {
    for (const name of ['api', 'worker']) {
      const env = services[name]?.environment ?? {};
      expect(env.REDIS_SENTINELS, name).toBe('${REDIS_SENTINELS:-}');
      expect(env.REDIS_SENTINEL_MASTER, name).toBe('${REDIS_SENTINEL_MASTER:-}');
      expect(env.ENQUEUE_MIN_REPLICAS, name).toBe('${ENQUEUE_MIN_REPLICAS:-0}');
    }
    // What compose hands Lunas with the profile unselected, and selected.
    const standalone = loadApiConfig({
      REDIS_URL: 'redis://redis:6379',
      REDIS_SENTINELS: '',
      REDIS_SENTINEL_MASTER: '',
    });
    expect(redisTargetOf(standalone).kind).toBe('standalone');
    const sentinel = loadApiConfig({
      REDIS_SENTINELS: 'sentinel-1:26379,sentinel-2:26379,sentinel-3:26379',
      REDIS_SENTINEL_MASTER: 'lunas',
    });
    expect(redisTargetOf(sentinel)).toMatchObject({ kind: 'sentinel', masterName: 'lunas' });
  });
});
