/**
 * The import boundaries of docs/architecture.md are ESLint rules (eslint.config.js); this proves
 * each one rejects a file that breaks it, and lets through what the folder may use. Each probe
 * is linted with the repository's own config as if it lived at the given path (lintText with a
 * filePath: nothing is written to disk). Only no-restricted-imports runs, without type
 * information, so the probe need not belong to a TypeScript project.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({
  cwd: root,
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false, project: null } },
  },
});

/** The no-restricted-imports messages for `source` linted as if it were the file `path`. */
async function violations(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport {};\n`, { filePath: `${root}/${path}` });
  const messages = result?.messages ?? [];
  const fatal = messages.filter((m) => m.fatal);
  expect(fatal, 'the probe parses').toEqual([]);
  return messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const CORE = 'packages/core/src/lint-probe.ts';
const DB = 'packages/db/src/repositories/lint-probe.ts';
const MIDTRANS = 'packages/midtrans/src/lint-probe.ts';
const RUNTIME = 'packages/runtime/src/lint-probe.ts';
const SIMULATOR = 'packages/simulator/src/lint-probe.ts';

describe('import boundaries (eslint.config.js)', () => {
  it.each([
    ["import { readFile } from 'node:fs';", 'packages/core does no I/O'],
    ["import { readFile } from 'node:fs/promises';", 'packages/core does no I/O'],
    ["import { connect } from 'node:net';", 'packages/core does no I/O'],
    ["import { request } from 'node:http';", 'packages/core does no I/O'],
    ["import pg from 'pg';", 'packages/core does no I/O'],
    ["import postgres from 'postgres';", 'packages/core does no I/O'],
    ["import { Redis } from 'ioredis';", 'packages/core does no I/O'],
    ["import { Queue } from 'bullmq';", 'packages/core does no I/O'],
    ["import fastify from 'fastify';", 'packages/core does no I/O'],
    ["import type { Sql } from '@lunas/db';", 'packages/core depends on no other Lunas package'],
  ])('core rejects %s', async (source, message) => {
    expect(await violations(CORE, source)).toEqual([expect.stringContaining(message)]);
  });

  it('core may hash (node:crypto) and validate (zod)', async () => {
    expect(
      await violations(CORE, "import { createHash } from 'node:crypto';\nimport { z } from 'zod';"),
    ).toEqual([]);
  });

  it.each([CORE, DB, MIDTRANS, RUNTIME, SIMULATOR])('%s never imports an app', async (path) => {
    for (const source of [
      "import { buildApp } from '@lunas/api';",
      "import { startWorker } from '@lunas/worker';",
      "import { x } from '../../../apps/worker/src/worker.js';",
    ]) {
      expect(await violations(path, source), source).not.toEqual([]);
    }
  });

  it.each([
    CORE,
    DB,
    MIDTRANS,
    RUNTIME,
    SIMULATOR,
    'apps/worker/src/lint-probe.ts',
    'test/e2e/lint-probe.ts',
  ])('%s imports a package by its name, not its internals (the base rule still holds)', async (path) => {
    expect(await violations(path, "import { x } from '@lunas/core/src/jobs.js';")).toEqual([
      expect.stringContaining('not its internals'),
    ]);
  });

  it.each([
    "import { Queue } from 'bullmq';",
    "import fastify from 'fastify';",
    "import cookie from '@fastify/cookie';",
  ])('db rejects %s', async (source) => {
    expect(await violations(DB, source)).toEqual([
      expect.stringContaining('packages/db knows nothing of queues or HTTP'),
    ]);
  });

  it('db may use its driver and core', async () => {
    expect(
      await violations(DB, "import postgres from 'postgres';\nimport { QUEUES } from '@lunas/core';"),
    ).toEqual([]);
  });

  it.each([
    "import { Queue } from 'bullmq';",
    "import postgres from 'postgres';",
    "import { runTx } from '@lunas/db';",
  ])('midtrans rejects %s', async (source) => {
    expect(await violations(MIDTRANS, source)).toEqual([
      expect.stringContaining('packages/midtrans knows nothing of queues or SQL'),
    ]);
  });

  it.each(["import { runTx } from '@lunas/db';", "import { createLogger } from '@lunas/runtime';"])(
    'the simulator rejects %s',
    async (source) => {
      expect(await violations(SIMULATOR, source)).toEqual([
        expect.stringContaining('the simulator imports no Lunas internals'),
      ]);
    },
  );

  it('the simulator may use @lunas/core and @lunas/midtrans', async () => {
    expect(
      await violations(
        SIMULATOR,
        "import { QUEUES } from '@lunas/core';\nimport { computeSignature } from '@lunas/midtrans';",
      ),
    ).toEqual([]);
  });

  it('the apps may use every package', async () => {
    expect(
      await violations(
        'apps/worker/src/lint-probe.ts',
        "import { Queue } from 'bullmq';\nimport { runTx } from '@lunas/db';\nimport { createLogger } from '@lunas/runtime';",
      ),
    ).toEqual([]);
  });
});
