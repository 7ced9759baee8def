// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The boundaries of docs/architecture.md ("Who owns what"). ESLint's flat config *replaces* a
// rule's options when a later block names the same rule, so every block below is built from the
// base patterns plus its own: a stricter folder keeps every rule of the looser ones.
// test/lint/boundaries.test.ts proves each rule rejects a violating file.

/** Everywhere: apps are reached only by their entry points, packages only by their names. */
const BASE_PATTERNS = [
  {
    group: ['**/apps/*', '../../apps/**'],
    message: 'packages and tests import apps only through their public entry points',
  },
  { group: ['@lunas/*/src/*'], message: 'import a package by its name, not its internals' },
];

/** packages/**: never an app, by name or by path. */
const NO_APPS = {
  group: ['@lunas/api', '@lunas/api/*', '@lunas/worker', '@lunas/worker/*', '**/apps/**'],
  message: 'packages never import apps',
};

/** packages/core: no I/O (node:crypto is allowed: hashing is pure), no driver, no other Lunas package. */
const CORE_IO = [
  'bullmq',
  'ioredis',
  'postgres',
  'pg',
  'fastify',
  'pino',
  'prom-client',
  'undici',
  'node:fs',
  'node:net',
  'node:tls',
  'node:dgram',
  'node:dns',
  'node:http',
  'node:https',
  'node:http2',
  'node:child_process',
  'node:cluster',
  'node:worker_threads',
  'node:process',
  'fs',
  'net',
  'http',
  'https',
  'child_process',
];

/**
 * The no-restricted-imports rule with the base patterns plus `extra`.
 * @param {{ paths?: { name: string, message: string }[], patterns?: { group: string[], message: string }[] }} [extra]
 */
function restrictImports(extra = {}) {
  return {
    'no-restricted-imports': [
      'error',
      { paths: extra.paths ?? [], patterns: [...BASE_PATTERNS, ...(extra.patterns ?? [])] },
    ],
  };
}

const BOUNDARIES = [
  {
    files: ['packages/*/src/**/*.ts'],
    rules: restrictImports({ patterns: [NO_APPS] }),
  },
  {
    files: ['packages/core/src/**/*.ts'],
    rules: restrictImports({
      paths: CORE_IO.map((name) => ({ name, message: 'packages/core does no I/O' })),
      patterns: [
        NO_APPS,
        { group: ['@lunas/*', '!@lunas/core'], message: 'packages/core depends on no other Lunas package' },
        { group: ['node:fs/*', 'fs/*', '@fastify/*', 'pg-*'], message: 'packages/core does no I/O' },
      ],
    }),
  },
  {
    files: ['packages/db/src/**/*.ts'],
    rules: restrictImports({
      paths: ['bullmq', 'fastify'].map((name) => ({
        name,
        message: 'packages/db knows nothing of queues or HTTP',
      })),
      patterns: [
        NO_APPS,
        { group: ['@fastify/*', 'bullmq/*'], message: 'packages/db knows nothing of queues or HTTP' },
      ],
    }),
  },
  {
    files: ['packages/midtrans/src/**/*.ts'],
    rules: restrictImports({
      paths: ['bullmq', 'postgres', '@lunas/db'].map((name) => ({
        name,
        message: 'packages/midtrans knows nothing of queues or SQL',
      })),
      patterns: [NO_APPS],
    }),
  },
  {
    // A local Midtrans: of Lunas it may use only the vocabulary (@lunas/core) and the signature
    // and status rules it must agree with (@lunas/midtrans).
    files: ['packages/simulator/src/**/*.ts'],
    rules: restrictImports({
      patterns: [
        NO_APPS,
        {
          group: ['@lunas/*', '!@lunas/core', '!@lunas/midtrans'],
          message: 'the simulator imports no Lunas internals but @lunas/core and @lunas/midtrans',
        },
      ],
    }),
  },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'artifacts/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      curly: ['error', 'all'],
      'no-console': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      ...restrictImports(),
    },
  },
  ...BOUNDARIES,
  {
    // The worker's functions stay readable in one screen: a longer one is cut into steps.
    files: ['apps/worker/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  {
    // Plain Node scripts outside the TypeScript project (postinstall): lint without types.
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { console: 'readonly', process: 'readonly' },
    },
  },
  {
    // The console's browser scripts (no build step, no TS project): lint without types.
    files: ['apps/api/src/console/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        EventSource: 'readonly',
        location: 'readonly',
        URLSearchParams: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        console: 'readonly',
        Intl: 'readonly',
        FormData: 'readonly',
        history: 'readonly',
        Node: 'readonly',
      },
    },
  },
  {
    // Tests, benchmarks and CLIs may print.
    files: [
      '**/*.test.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'scripts/**/*.ts',
      'scripts/**/*.mjs',
      'packages/simulator/src/cli.ts',
      'packages/db/src/bin/*.ts',
    ],
    rules: { 'no-console': 'off' },
  },
);
