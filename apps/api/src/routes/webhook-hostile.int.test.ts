// Hostile and odd input against the real webhook route and a real Redis: generated bodies
// (fast-check), signature edge cases, and oversized, deeply nested and slow requests.
import { connect, type Socket } from 'node:net';
import { QUEUES } from '@lunas/core';
import { computeSignature } from '@lunas/midtrans';
import { Queue } from 'bullmq';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../../../../test/harness/logger.js';
import { signedNotification, TEST_SERVER_KEY } from '../../../../test/harness/notifications.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../../../../test/harness/redis.js';
import { waitFor } from '../../../../test/harness/wait-for.js';
import { buildApp, createApiDeps } from '../app.js';
import { loadApiConfig } from '../config.js';

const prefix = testPrefix('hostile');
const captured = captureLogger('api-hostile', 'warn');
let app: FastifyInstance;
let url: string;
let queue: Queue;

beforeAll(async () => {
  const config = loadApiConfig({
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    MIDTRANS_SERVER_KEY: TEST_SERVER_KEY,
    LOG_LEVEL: 'warn',
  });
  app = await buildApp(config, createApiDeps(config, captured.logger), captured.logger);
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  queue = new Queue(QUEUES.notifications, { connection: { url: REDIS_URL }, prefix });
});
afterAll(async () => {
  await app.close();
  await queue.close();
  await deletePrefix(prefix);
});

const jobCount = () =>
  queue.getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized');
const post = (payload: string) =>
  app.inject({
    method: 'POST',
    url: '/webhooks/midtrans',
    headers: { 'content-type': 'application/json' },
    payload,
  });

describe('generated bodies (property-based)', () => {
  it('never answer 5xx, never crash, and never enqueue without a valid signature', async () => {
    const midtransish = fc.record(
      {
        order_id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        status_code: fc.oneof(fc.constantFrom('200', '201', '202'), fc.integer(), fc.string()),
        gross_amount: fc.oneof(fc.constantFrom('10000.00', '10000'), fc.double(), fc.string()),
        transaction_id: fc.oneof(fc.uuid(), fc.string()),
        transaction_status: fc.oneof(fc.constantFrom('settlement', 'pending', 'deny'), fc.string()),
        signature_key: fc.oneof(
          fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 128, maxLength: 128 }),
          fc.string(),
          fc.integer(),
        ),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.string().map((s) => s),
      fc.json(),
      midtransish.map((o) => JSON.stringify(o)),
      fc.anything().map((v) => JSON.stringify(v) ?? 'undefined'),
    );
    const before = await jobCount();
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await post(payload);
        expect([400, 401, 413]).toContain(res.statusCode);
        expect(res.json<{ error: { code: string } }>().error.code).toMatch(/^LUNAS_ERR_/);
      }),
      { numRuns: 300, seed: 20261126 },
    );
    expect(await jobCount()).toBe(before);
  });

  it('reject any change to a signed field of a valid notification', async () => {
    const before = await jobCount();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('order_id', 'status_code', 'gross_amount'),
        fc.string({ minLength: 1, maxLength: 20 }),
        async (field, value) => {
          const body = signedNotification({ order_id: 'PROP-1', transaction_status: 'settlement' });
          fc.pre(body[field] !== value);
          const res = await post(JSON.stringify({ ...body, [field]: value }));
          // 400 when the edit breaks the strict format (a status_code that is no Midtrans code,
          // an amount that is no plain decimal), else 401: refused either way, nothing queued.
          expect([400, 401]).toContain(res.statusCode);
        },
      ),
      { numRuns: 100, seed: 7 },
    );
    expect(await jobCount()).toBe(before);
  });
});

describe('signature edge cases', () => {
  const base = { transaction_id: 'edge-tx', transaction_status: 'settlement', currency: 'IDR' };
  const sign = (order_id: string, status_code: string, gross_amount: string) =>
    computeSignature({ order_id, status_code, gross_amount }, TEST_SERVER_KEY);

  it('"10000" is not "10000.00": a body re-formatted after signing is refused', async () => {
    const res = await post(
      JSON.stringify({
        ...base,
        order_id: 'E-1',
        status_code: '200',
        gross_amount: '10000',
        signature_key: sign('E-1', '200', '10000.00'),
      }),
    );
    expect(res.statusCode).toBe(401);
  });

  it('numbers instead of strings are checked as their text: right text accepted, re-formatted text refused', async () => {
    const ok = await post(
      JSON.stringify({
        ...base,
        transaction_id: 'edge-num',
        order_id: 'E-2',
        status_code: 200,
        gross_amount: 10000,
        signature_key: sign('E-2', '200', '10000'),
      }),
    );
    expect(ok.statusCode).toBe(200);
    const bad = await post(
      JSON.stringify({
        ...base,
        order_id: 'E-3',
        status_code: 200,
        gross_amount: 10000,
        signature_key: sign('E-3', '200', '10000.00'),
      }),
    );
    expect(bad.statusCode).toBe(401);
  });

  it('upper-case hex is the same digest and accepted; surrounding whitespace is refused', async () => {
    const signature = sign('E-4', '200', '10000.00');
    const upper = await post(
      JSON.stringify({
        ...base,
        transaction_id: 'edge-upper',
        order_id: 'E-4',
        status_code: '200',
        gross_amount: '10000.00',
        signature_key: signature.toUpperCase(),
      }),
    );
    expect(upper.statusCode).toBe(200);
    const spaced = await post(
      JSON.stringify({
        ...base,
        order_id: 'E-4',
        status_code: '200',
        gross_amount: '10000.00',
        signature_key: ` ${signature} `,
      }),
    );
    expect(spaced.statusCode).toBe(401);
  });

  it('unicode in order_id is signed and checked byte for byte', async () => {
    const order = 'PESANAN-ü-ñ-日本-🧾';
    const res = await post(
      JSON.stringify({
        ...base,
        transaction_id: 'edge-uni',
        order_id: order,
        status_code: '200',
        gross_amount: '10000.00',
        signature_key: sign(order, '200', '10000.00'),
      }),
    );
    expect(res.statusCode).toBe(200);
  });

  it('a signature valid for another order or another status is refused', async () => {
    const otherOrder = await post(
      JSON.stringify({
        ...base,
        order_id: 'E-5',
        status_code: '200',
        gross_amount: '10000.00',
        signature_key: sign('E-6', '200', '10000.00'),
      }),
    );
    expect(otherOrder.statusCode).toBe(401);
    const otherStatus = await post(
      JSON.stringify({
        ...base,
        order_id: 'E-5',
        status_code: '200',
        gross_amount: '10000.00',
        signature_key: sign('E-5', '201', '10000.00'),
      }),
    );
    expect(otherStatus.statusCode).toBe(401);
  });

  it('a replayed old notification maps to its original job and makes no new one', async () => {
    const body = JSON.stringify(signedNotification({ order_id: 'E-7', transaction_status: 'pending' }));
    const first = await post(body);
    const before = await jobCount();
    const replay = await post(body);
    expect(replay.statusCode).toBe(200);
    expect(replay.json<{ jobId: string }>().jobId).toBe(first.json<{ jobId: string }>().jobId);
    expect(await jobCount()).toBe(before);
  });
});

describe('oversized, nested and slow requests', () => {
  it('answers 413 to a 10 MiB body without buffering it all', async () => {
    const before = process.memoryUsage().rss;
    const res = await fetch(`${url}/webhooks/midtrans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(10 * 1024 * 1024),
    }).catch((error: unknown) => error);
    // Fastify answers 413 as soon as the limit is crossed; the client may see the reset instead.
    if (res instanceof Response) {
      expect(res.status).toBe(413);
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    expect(
      (
        await post(
          JSON.stringify(signedNotification({ order_id: 'AFTER-BIG', transaction_status: 'pending' })),
        )
      ).statusCode,
    ).toBe(200);
  });

  it('answers 400 to deeply nested JSON inside the size limit', async () => {
    const depth = 30_000;
    const res = await post(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    expect(res.statusCode).toBe(400);
    const objects = await post(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`);
    expect([400, 401]).toContain(objects.statusCode);
  });

  it('stays responsive while 50 clients trickle their requests (slowloris)', async () => {
    const sockets: Socket[] = [];
    const { port } = new URL(url);
    try {
      for (let i = 0; i < 50; i += 1) {
        const socket = connect(Number(port), '127.0.0.1');
        socket.on('error', () => undefined);
        socket.write(
          'POST /webhooks/midtrans HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"order',
        );
        sockets.push(socket);
      }
      // A well-behaved request still gets through at once.
      const res = await waitFor(
        async () => {
          const r = await fetch(`${url}/healthz`);
          return r.status === 200;
        },
        { timeoutMs: 2_000, what: 'healthz while slow clients hold connections' },
      );
      expect(res).toBe(true);
      const ok = await fetch(`${url}/webhooks/midtrans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(signedNotification({ order_id: 'SLOW-OK', transaction_status: 'pending' })),
      });
      expect(ok.status).toBe(200);
    } finally {
      sockets.forEach((s) => s.destroy());
    }
  });
});
