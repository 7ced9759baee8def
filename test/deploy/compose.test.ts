// Docker does not run on CI machines, so docker-compose.yml is checked by reading it: the
// settings that protect acknowledged notifications, health checks everywhere, and a worker fleet.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  build?: string;
  profiles?: string[];
}

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), {
  merge: true,
}) as {
  services: Record<string, Service>;
};
const { services } = compose;

describe('docker-compose.yml', () => {
  it('runs postgres, redis, the simulator, the api and a worker fleet', () => {
    const always = Object.entries(services).filter(([, service]) => !service.profiles);
    expect(always.map(([name]) => name).sort()).toEqual(['api', 'postgres', 'redis', 'simulator', 'worker']);
    expect(services.worker?.deploy?.replicas).toBeGreaterThanOrEqual(2);
  });

  it('gives Redis persistence and a no-eviction policy', () => {
    const command = (services.redis?.command ?? []).join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
  });

  it('has a health check on every service, and Lunas waits for healthy stores', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test, name).toBeDefined();
    }
    for (const name of ['api', 'worker']) {
      expect(services[name]?.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    }
  });

  it('starts the real entry points with the documented variables', () => {
    expect(services.api?.command).toEqual(['node', '--import', 'tsx', 'apps/api/src/main.ts']);
    expect(services.worker?.command).toEqual(['node', '--import', 'tsx', 'apps/worker/src/main.ts']);
    for (const name of ['api', 'worker']) {
      const env = services[name]?.environment ?? {};
      for (const key of ['DATABASE_URL', 'REDIS_URL', 'MIDTRANS_SERVER_KEY', 'QUEUE_PREFIX', 'LOG_LEVEL']) {
        expect(env, `${name}.${key}`).toHaveProperty(key);
      }
    }
  });

  it('points Lunas at the compose hostnames, not localhost', () => {
    const env = services.api?.environment ?? {};
    expect(env.DATABASE_URL).toContain('@postgres:5432/');
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(services.simulator?.environment?.SIM_NOTIFICATION_URL).toBe('http://api:3000/webhooks/midtrans');
  });
});
