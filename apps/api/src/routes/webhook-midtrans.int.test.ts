import { spawn, type ChildProcess } from 'node:child_process';
import { QUEUES, type NotificationJobData } from '@lunas/core';
import { sealNotification } from '@lunas/midtrans';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../../../../test/harness/logger.js';
import { signedNotification, TEST_SERVER_KEY } from '../../../../test/harness/notifications.js';
import { freePort } from '../../../../scripts/chaos/processes.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../../../../test/harness/redis.js';
import { buildApp, createApiDeps } from '../app.js';
import { loadApiConfig } from '../config.js';

function config(prefix: string, redisUrl = REDIS_URL) {
  return loadApiConfig({
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    MIDTRANS_SERVER_KEY: TEST_SERVER_KEY,
    LOG_LEVEL: 'debug',
    ENQUEUE_TIMEOUT_MS: '500',
  });
}

describe('POST /webhooks/midtrans', () => {
  const prefix = testPrefix('webhook');
  const captured = captureLogger('api');
  let app: FastifyInstance;
  let queue: Queue<NotificationJobData>;

  beforeAll(async () => {
    const cfg = config(prefix);
    app = await buildApp(cfg, createApiDeps(cfg, captured.logger), captured.logger);
    queue = new Queue<NotificationJobData>(QUEUES.notifications, { connection: { url: REDIS_URL }, prefix });
  });
  afterAll(async () => {
    await app.close();
    await queue.close();
    await deletePrefix(prefix);
  });

  const post = (payload: string | object, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/webhooks/midtrans',
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const jobCount = () =>
    queue.getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized');

  it('answers 200 once the job is in Redis, and the job carries the body without its signature, sealed', async () => {
    const body = signedNotification({
      order_id: 'ORD-200',
      transaction_status: 'settlement',
      extra_field: 'kept',
    });
    const raw = JSON.stringify(body);
    const res = await post(raw);
    expect(res.statusCode).toBe(200);
    const { jobId } = res.json<{ jobId: string }>();
    const job = await queue.getJob(jobId);
    const { signature_key: signature, ...unsigned } = body;
    expect(JSON.parse(job?.data.rawBody ?? '{}')).toEqual(unsigned);
    expect(JSON.stringify(job?.data)).not.toContain(String(signature));
    expect(job?.data.seal).toBe(sealNotification(job?.data.rawBody ?? '', TEST_SERVER_KEY));
    expect(job?.opts.attempts).toBe(13);
  });

  it('makes one job for a notification delivered five times', async () => {
    const before = await jobCount();
    const raw = JSON.stringify(signedNotification({ order_id: 'ORD-DUP', transaction_status: 'settlement' }));
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(raw)));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(answers.map((a) => a.json<{ jobId: string }>().jobId)).size).toBe(1);
    expect(await jobCount()).toBe(before + 1);
  });

  it('makes separate jobs for separate statuses of one transaction', async () => {
    const before = await jobCount();
    const transaction_id = 'tx-multi-status';
    await post(signedNotification({ order_id: 'ORD-MULTI', transaction_id, transaction_status: 'pending' }));
    await post(
      signedNotification({ order_id: 'ORD-MULTI', transaction_id, transaction_status: 'settlement' }),
    );
    expect(await jobCount()).toBe(before + 2);
  });

  it('accepts any content type, since the body is read as text', async () => {
    const res = await post(
      JSON.stringify(signedNotification({ order_id: 'ORD-CT', transaction_status: 'pending' })),
      {
        'content-type': 'text/plain',
      },
    );
    expect(res.statusCode).toBe(200);
  });

  describe('rejects bad input with a clear error and enqueues nothing', () => {
    type BadCase = readonly [name: string, make: () => string | object, status: number, code: string];
    it.each<BadCase>([
      [
        'a forged signature',
        () => ({
          ...signedNotification({ order_id: 'ORD-F', transaction_status: 'settlement' }),
          signature_key: 'a'.repeat(128),
        }),
        401,
        'LUNAS_ERR_BAD_SIGNATURE',
      ],
      [
        'a missing signature',
        () => {
          const b = signedNotification({ order_id: 'ORD-M', transaction_status: 'settlement' });
          delete b.signature_key;
          return b;
        },
        401,
        'LUNAS_ERR_BAD_SIGNATURE',
      ],
      [
        'a signature made with another key',
        () =>
          signedNotification(
            { order_id: 'ORD-K', transaction_status: 'settlement' },
            'SB-Mid-server-someone-else',
          ),
        401,
        'LUNAS_ERR_BAD_SIGNATURE',
      ],
      [
        'a body whose amount was changed after signing',
        () => ({
          ...signedNotification({ order_id: 'ORD-A', transaction_status: 'settlement' }),
          gross_amount: '1.00',
        }),
        401,
        'LUNAS_ERR_BAD_SIGNATURE',
      ],
      ['malformed JSON', () => '{"order_id": "x", ', 400, 'LUNAS_ERR_BAD_JSON'],
      ['a JSON array', () => '[1,2,3]', 400, 'LUNAS_ERR_BAD_JSON'],
      ['an empty body', () => '', 400, 'LUNAS_ERR_BAD_JSON'],
      [
        'a notification without transaction_id',
        () => {
          const b = signedNotification({ order_id: 'ORD-T', transaction_status: 'settlement' });
          delete b.transaction_id;
          return b;
        },
        400,
        'LUNAS_ERR_BAD_NOTIFICATION',
      ],
    ])('%s', async (_name, make, status, code) => {
      const before = await jobCount();
      const res = await post(make());
      expect(res.statusCode).toBe(status);
      expect(res.json<{ error: { code: string; requestId: string } }>().error.code).toBe(code);
      expect(await jobCount()).toBe(before);
    });

    it('an oversized body gets 413', async () => {
      const before = await jobCount();
      const big = {
        ...signedNotification({ order_id: 'ORD-BIG', transaction_status: 'settlement' }),
        pad: 'x'.repeat(70 * 1024),
      };
      const res = await post(big);
      expect(res.statusCode).toBe(413);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('LUNAS_ERR_BODY_TOO_LARGE');
      expect(await jobCount()).toBe(before);
    });
  });

  it('logs a forged notification at warn with its order id and never the server key', async () => {
    await post({
      ...signedNotification({ order_id: 'ORD-LOG', transaction_status: 'settlement' }),
      signature_key: 'b'.repeat(128),
    });
    const line = captured.lines.find((l) => l.includes('ORD-LOG'));
    expect(line).toBeDefined();
    expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 40, orderId: 'ORD-LOG' });
    expect(captured.lines.join('\n')).not.toContain(TEST_SERVER_KEY);
  });

  it('GET /healthz and /readyz answer 200 while Redis is up', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});

describe('POST /webhooks/midtrans with Redis unreachable', () => {
  it('answers 503 within the bound, never 200 or 500, and /readyz is 503', async () => {
    const { logger } = captureLogger('api-down');
    // Port 1 on loopback: nothing listens, connections are refused at once.
    const cfg = config(testPrefix('down'), 'redis://127.0.0.1:1');
    const app = await buildApp(cfg, createApiDeps(cfg, logger), logger);
    try {
      const started = Date.now();
      const res = await app.inject({
        method: 'POST',
        url: '/webhooks/midtrans',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(
          signedNotification({ order_id: 'ORD-503', transaction_status: 'settlement' }),
        ),
      });
      expect(res.statusCode).toBe(503);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('LUNAS_ERR_QUEUE_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    } finally {
      await app.close();
    }
  });
});

describe('POST /webhooks/midtrans while the API is still connecting to Redis', () => {
  it('waits (within the bound) for the connection and answers 200, not 503', async () => {
    const port = await freePort();
    const { logger } = captureLogger('api-connecting');
    const prefix = testPrefix('connecting');
    const cfg = loadApiConfig({
      REDIS_URL: `redis://127.0.0.1:${port}`,
      QUEUE_PREFIX: prefix,
      MIDTRANS_SERVER_KEY: TEST_SERVER_KEY,
      LOG_LEVEL: 'warn',
      ENQUEUE_TIMEOUT_MS: '5000',
    });
    const app = await buildApp(cfg, createApiDeps(cfg, logger), logger);
    let redis: ChildProcess | null = null;
    try {
      const answer = app.inject({
        method: 'POST',
        url: '/webhooks/midtrans',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(
          signedNotification({ order_id: 'ORD-CONNECTING', transaction_status: 'pending' }),
        ),
      });
      // Redis comes up only after the request has arrived (an API that just restarted).
      redis = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
      expect((await answer).statusCode).toBe(200);
    } finally {
      await app.close();
      redis?.kill('SIGKILL');
    }
  });
});
