/**
 * npm run openapi: writes docs/openapi.json, the OpenAPI 3.1 document built from the route
 * schemas (apps/api/src/openapi.ts). `npm run openapi -- --check` fails when the file is not
 * current; a test runs the same check (apps/api/src/openapi.int.test.ts).
 *
 * It builds the API with every optional part on (admin, shop) and placeholder tokens, never
 * listens, and reads the document; Redis is connected to but not written.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildApp, createApiDeps, loadApiConfig } from '@lunas/api';
import { createLogger } from '@lunas/runtime';

export const OPENAPI_FILE = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));

/** Placeholder tokens: the document does not depend on their values. */
const DOC_ENV = {
  ADMIN_TOKEN: 'openapi-admin-0123456789abcdefghijklmnopqrstuv',
  SHOP_API_TOKEN: 'openapi-shop-0123456789abcdefghijklmnopqrstuvw',
  LOG_LEVEL: 'silent',
  QUEUE_PREFIX: 'lunas-openapi',
};

export async function renderOpenApi(env: Record<string, string | undefined> = {}): Promise<string> {
  const config = loadApiConfig({ ...process.env, ...DOC_ENV, ...env, NODE_ENV: 'development' });
  const logger = createLogger({ name: 'openapi', level: 'silent' });
  const app = await buildApp(config, createApiDeps(config, logger), logger);
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const document = await renderOpenApi({ REDIS_URL: process.env.REDIS_URL });
  if (process.argv.includes('--check')) {
    const current = await readFile(OPENAPI_FILE, 'utf8').catch(() => '');
    if (current !== document) {
      process.stderr.write('docs/openapi.json is not current: run npm run openapi\n');
      process.exit(1);
    }
    process.stdout.write('docs/openapi.json is current\n');
    return;
  }
  await writeFile(OPENAPI_FILE, document);
  process.stdout.write(`wrote docs/openapi.json\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
