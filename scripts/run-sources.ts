/**
 * Node arguments that run TypeScript sources in dev and tests: tsx compiles them, and the
 * "@lunas/source" export condition makes `@lunas/*` imports resolve to each workspace's src/
 * instead of its compiled dist/ (docs/decisions/0007-compiled-js-in-production.md).
 */
export const RUN_SOURCES = ['--conditions=@lunas/source', '--import', 'tsx'];
