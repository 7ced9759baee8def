// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
      // packages never reach into apps; nobody imports another package's internals.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/apps/*', '../../apps/**'],
              message: 'packages and tests import apps only through their public entry points',
            },
            { group: ['@lunas/*/src/*'], message: 'import a package by its name, not its internals' },
          ],
        },
      ],
    },
  },
  {
    // packages/core is pure: no I/O, no env, no drivers.
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['bullmq', 'ioredis', 'postgres', 'fastify', 'node:fs', 'node:net', 'node:http'].map(
            (name) => ({ name, message: 'packages/core does no I/O' }),
          ),
        },
      ],
    },
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
