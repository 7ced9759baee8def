// The API as a real process: configuration errors name the variable and stop it; SIGTERM shuts
// it down gracefully with exit code 143.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { exitOf, REPO_ROOT } from '../../../test/harness/system.js';
import { startStandaloneRedis } from '../../../test/harness/redis-topology.js';
import { waitFor } from '../../../test/harness/wait-for.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../../../test/harness/redis.js';
import { RUN_SOURCES } from '../../../scripts/run-sources.js';

const procPrefix = testPrefix('proc');
afterAll(async () => {
  await deletePrefix(procPrefix);
});

function runApi(env: Record<string, string>) {
  const child = spawn(process.execPath, [...RUN_SOURCES, 'apps/api/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', MIGRATE_ON_START: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
  return { child, output };
}

describe('the API process', () => {
  it('stops at start with a message that names a bad variable', async () => {
    const { child, output } = runApi({ REDIS_URL: 'not a url', PORT: '0' });
    expect((await exitOf(child)).code).toBe(78);
    expect(output.join('')).toContain('REDIS_URL');
  });

  it('refuses to start in production without a server key', async () => {
    const { child, output } = runApi({
      NODE_ENV: 'production',
      PORT: '0',
      ADMIN_TOKEN: 'prod-admin-token-0123456789abcdefghijklmn',
    });
    expect((await exitOf(child)).code).toBe(78);
    expect(output.join('')).toContain('MIDTRANS_SERVER_KEY');
  });

  it('shuts down on SIGTERM with exit code 143 and no secret in its logs', async () => {
    const key = 'SB-Mid-server-process-test-key';
    const { child, output } = runApi({
      PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL,
      QUEUE_PREFIX: procPrefix,
      MIDTRANS_SERVER_KEY: key,
      LOG_LEVEL: 'info',
    });
    const url = await waitFor(
      () => /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output.join(''))?.[1],
      {
        timeoutMs: 20_000,
        what: 'API listening',
      },
    );
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    child.kill('SIGTERM');
    const exit = await exitOf(child);
    expect(exit.code).toBe(143);
    const log = output.join('');
    expect(log).toContain('shutdown complete');
    expect(log).not.toContain(key);
  });
});

describe('the API process against a Redis that may evict keys', () => {
  it('refuses to start in production, and starts with a loud warning elsewhere', async () => {
    const redis = await startStandaloneRedis(['--maxmemory-policy', 'allkeys-lru']);
    try {
      const redisUrl = redis.url;
      const env = {
        PORT: '0',
        HOST: '127.0.0.1',
        REDIS_URL: redisUrl,
        QUEUE_PREFIX: testPrefix('evict'),
        MIDTRANS_SERVER_KEY: 'SB-Mid-server-evict-test',
        LOG_LEVEL: 'warn',
      };
      const prod = runApi({
        ...env,
        NODE_ENV: 'production',
        ADMIN_TOKEN: 'prod-admin-token-0123456789abcdefghijklmn',
      });
      expect((await exitOf(prod.child, 20_000)).code).toBe(78);
      expect(prod.output.join('')).toContain('maxmemory-policy is allkeys-lru');

      const dev = runApi({ ...env, LOG_LEVEL: 'info' });
      try {
        await waitFor(() => /Server listening at/.test(dev.output.join('')), {
          timeoutMs: 20_000,
          what: 'dev API listening',
        });
        expect(dev.output.join('')).toContain('REDIS DURABILITY');
      } finally {
        dev.child.kill('SIGTERM');
        await exitOf(dev.child);
      }
    } finally {
      await redis.stop('SIGKILL');
    }
  });
});
