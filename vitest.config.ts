import { defineConfig } from 'vitest/config';

// Two projects: pure unit tests (*.test.ts) and tests that need the real Postgres and Redis
// (*.int.test.ts). Every int test file makes its own database and queue prefix, so files run in
// parallel safely.
export default defineConfig({
  // Workspace packages export their TypeScript sources under the "@lunas/source" condition and
  // compiled JS otherwise (docs/decisions/0007-compiled-js-in-production.md): tests run the sources.
  // Vite's default server conditions follow it.
  ssr: { resolve: { conditions: ['@lunas/source', 'module', 'node', 'development|production'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['apps/*/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: [
            'apps/*/src/**/*.int.test.ts',
            'packages/*/src/**/*.int.test.ts',
            'test/**/*.int.test.ts',
          ],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
    pool: 'forks',
    maxWorkers: 2,
  },
});
