/**
 * The API contract: docs/openapi.json is what the routes describe today (npm run openapi),
 * it is a valid OpenAPI 3.1 document, it lists every route, and /docs serves it behind admin
 * auth only.
 */
import { readFile } from 'node:fs/promises';
import { validate } from '@readme/openapi-parser';
import { buildApp, createApiDeps, loadApiConfig } from '@lunas/api';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_FILE, renderOpenApi } from '../../../scripts/openapi.js';
import { captureLogger } from '../../../test/harness/logger.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../../../test/harness/redis.js';
import { TEST_ADMIN_TOKEN } from '../../../test/harness/reconcile.js';

describe('OpenAPI document', () => {
  const prefix = testPrefix('oas');
  let app: FastifyInstance;

  beforeAll(async () => {
    const logs = captureLogger('oas', 'warn');
    const config = loadApiConfig({
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      PORT: '0',
    });
    app = await buildApp(config, createApiDeps(config, logs.logger), logs.logger);
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await deletePrefix(prefix);
  });

  it('docs/openapi.json is current (npm run openapi) and valid OpenAPI 3.1', async () => {
    const rendered = await renderOpenApi({ REDIS_URL, QUEUE_PREFIX: prefix });
    const committed = await readFile(OPENAPI_FILE, 'utf8');
    expect(committed, 'docs/openapi.json is stale: run npm run openapi').toBe(rendered);
    const document = JSON.parse(committed) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(JSON.parse(committed) as never);
    expect(result.valid, JSON.stringify(result)).toBe(true);
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /webhooks/midtrans',
        'GET /healthz',
        'GET /readyz',
        'POST /payments',
        'POST /admin/replay',
        'POST /admin/orders/{orderCode}/sync-payment',
        'GET /admin/payments/stuck',
        'GET /admin/payments/dead-letters',
        'GET /admin/audit',
      ]),
    );
    // Bull Board's pages and static assets are not part of the contract.
    expect(operations.some((op) => op.includes('/admin/queues') || op.endsWith('.css'))).toBe(false);
  });

  it('serves /docs and /docs/json to the admin token only', async () => {
    const anonymous = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(anonymous.statusCode).toBe(401);
    const wrong = await app.inject({
      method: 'GET',
      url: '/docs/json',
      headers: { authorization: `Bearer ${'w'.repeat(40)}` },
    });
    expect(wrong.statusCode).toBe(401);
    const ui = await app.inject({
      method: 'GET',
      url: '/docs',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect([200, 302]).toContain(ui.statusCode);
    const json = await app.inject({
      method: 'GET',
      url: '/docs/json',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(json.statusCode).toBe(200);
    expect(json.json<{ openapi: string }>().openapi).toBe('3.1.0');
  });
});
