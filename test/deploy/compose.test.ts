// Docker does not run on CI machines, so docker-compose.yml and the Dockerfile are checked by
// reading them: the settings that protect acknowledged notifications, health checks, a worker
// fleet behind a one-shot migrate step, and compiled JavaScript on Node 24 as a non-root user.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  build?: string | { context: string; target?: string };
  restart?: string;
  profiles?: string[];
}

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), {
  merge: true,
}) as {
  services: Record<string, Service>;
};
const { services } = compose;

describe('docker-compose.yml', () => {
  it('runs postgres, redis, a migrate step, the simulator, the api and a worker fleet', () => {
    const always = Object.entries(services).filter(([, service]) => !service.profiles);
    expect(always.map(([name]) => name).sort()).toEqual([
      'api',
      'migrate',
      'postgres',
      'redis',
      'simulator',
      'worker',
    ]);
    expect(services.worker?.deploy?.replicas).toBeGreaterThanOrEqual(2);
  });

  it('gives Redis persistence and a no-eviction policy', () => {
    const command = (services.redis?.command ?? []).join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
  });

  it('has a health check on every long-running service', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name !== 'migrate') {
        expect(service.healthcheck?.test, name).toBeDefined();
      }
    }
  });

  it('migrates once, before the workers; the API needs only Redis to start', () => {
    expect(services.migrate?.command).toEqual(['node', 'packages/db/dist/bin/migrate.js']);
    expect(services.migrate?.restart).toBe('no');
    expect(services.migrate?.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(services.worker?.depends_on).toEqual({
      migrate: { condition: 'service_completed_successfully' },
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    expect(services.worker?.environment?.MIGRATE_ON_START).toBe('false');
    expect(services.api?.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
  });

  it('starts the compiled entry points with the documented variables', () => {
    expect(services.api?.command).toEqual(['node', 'apps/api/dist/main.js']);
    expect(services.worker?.command).toEqual(['node', 'apps/worker/dist/main.js']);
    expect(services.simulator?.command).toEqual(['node', 'packages/simulator/dist/cli.js']);
    expect(services.simulator?.build).toEqual({ context: '.', target: 'simulator' });
    for (const name of ['migrate', 'api', 'worker']) {
      expect(services[name]?.build, name).toEqual({ context: '.', target: 'runtime' });
    }
    expect(services.api?.environment?.HOST).toBe('0.0.0.0');
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

// Each stage of the Dockerfile: its FROM line and the instructions under it.
const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const stages: { name: string; from: string; lines: string[] }[] = [];
for (const line of instructions) {
  const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
  if (from) {
    stages.push({ from: from[1] ?? '', name: from[2] ?? '', lines: [] });
  } else {
    stages.at(-1)?.lines.push(line);
  }
}
const nodeImage = /^ARG NODE_IMAGE=(\S+)/m.exec(dockerfile)?.[1];
const dockerignore = readFileSync(new URL('../../.dockerignore', import.meta.url), 'utf8').split('\n');

describe('Dockerfile', () => {
  it('builds on Node 24 LTS in stages: build, simulator, runtime (the default)', () => {
    expect(nodeImage).toMatch(/^node:24-/);
    expect(stages.map((stage) => stage.name)).toEqual(['build', 'simulator', 'runtime']);
    for (const stage of stages) {
      expect(stage.from).toBe('${NODE_IMAGE}');
    }
  });

  it('compiles, then keeps production dependencies only', () => {
    const build = stages[0]?.lines.join('\n') ?? '';
    expect(build).toContain('npm ci');
    expect(build).toContain('npm run build');
    expect(build).toContain('npm prune --omit=dev');
  });

  it('runs compiled JavaScript as the non-root node user in both images', () => {
    const expected: Record<string, string> = {
      runtime: '["node", "apps/api/dist/main.js"]',
      simulator: '["node", "packages/simulator/dist/cli.js"]',
    };
    for (const stage of stages.slice(1)) {
      const users = stage.lines.filter((line) => line.startsWith('USER '));
      expect(users, stage.name).toEqual(['USER node']);
      const cmd = stage.lines.find((line) => line.startsWith('CMD '));
      expect(cmd, stage.name).toBe(`CMD ${expected[stage.name]}`);
      expect(stage.lines.indexOf('USER node')).toBeLessThan(stage.lines.indexOf(cmd ?? ''));
      expect(stage.lines.join('\n'), stage.name).not.toMatch(/tsx|\/src\b/);
    }
    expect(stages.at(-1)?.lines).toContain('ENV NODE_ENV=production HOST=0.0.0.0 METRICS_HOST=0.0.0.0');
  });

  it('ships neither tests nor the chaos or bench scripts', () => {
    for (const path of ['test', 'bench', 'scripts', '**/dist', '**/node_modules']) {
      expect(dockerignore, path).toContain(path);
    }
    for (const stage of stages) {
      for (const line of stage.lines.filter((l) => l.startsWith('COPY '))) {
        expect(line).not.toMatch(/\b(test|bench|scripts)\b/);
      }
    }
  });
});
