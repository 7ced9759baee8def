// A production process whose DATABASE_URL names a database that does not exist stops with one
// line that names DATABASE_URL (never its value: not the database's name either), not with a
// driver stack trace. Both the worker (migrations at start) and the `migrate` step.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RUN_SOURCES } from '../../scripts/run-sources.js';
import { TEST_SERVER_KEY } from '../harness/notifications.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../harness/redis.js';
import { exitOf, REPO_ROOT } from '../harness/system.js';

const missing = `lunas_missing_${randomBytes(5).toString('hex')}`;
const env = {
  PATH: process.env.PATH ?? '',
  NODE_ENV: 'production',
  DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${missing}`,
  REDIS_URL,
  MIDTRANS_SERVER_KEY: TEST_SERVER_KEY,
  METRICS_PORT: '0',
  LOG_LEVEL: 'info',
};

async function run(entry: string, extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...RUN_SOURCES, entry], {
    cwd: REPO_ROOT,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
  const exit = await exitOf(child, 30_000);
  return { exit, lines: output.join('').split('\n').filter(Boolean) };
}

function expectOneClearLine(lines: string[]): void {
  const about = lines.filter((line) => line.includes('DATABASE_URL'));
  expect(about, lines.join('\n')).toHaveLength(1);
  expect(about[0]).toContain('does not exist');
  const all = lines.join('\n');
  expect(all).not.toContain(missing);
  expect(all).not.toContain('PostgresError');
  expect(all).not.toMatch(/^\s+at /m);
}

describe('a missing database in production', () => {
  it('stops the worker with one line that names DATABASE_URL', async () => {
    const prefix = testPrefix('nodb');
    try {
      const { exit, lines } = await run('apps/worker/src/main.ts', { QUEUE_PREFIX: prefix });
      expect(exit.code).toBe(78);
      expectOneClearLine(lines);
    } finally {
      await deletePrefix(prefix);
    }
  });

  it('fails the migrate step with one line that names DATABASE_URL', async () => {
    const { exit, lines } = await run('packages/db/src/bin/migrate.ts');
    expect(exit.code).toBe(1);
    expectOneClearLine(lines);
  });
});
