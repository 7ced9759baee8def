// What the signature does not bind (docs/midtrans.md): the webhook refuses, before the hash, any
// body whose signed fields are not in Midtrans's strict formats, so that no characters can move
// between order_id, status_code and gross_amount; it refuses a status_code that cannot belong
// to its transaction_status, and subscription notifications; and it deduplicates on every
// field that makes a notification distinct. Nothing is queued for a refused body.
import { QUEUES, type NotificationJobData } from '@lunas/core';
import { computeSignature } from '@lunas/midtrans';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../../../../test/harness/logger.js';
import { signedNotification, TEST_SERVER_KEY } from '../../../../test/harness/notifications.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../../../../test/harness/redis.js';
import { buildApp, createApiDeps } from '../app.js';
import { loadApiConfig } from '../config.js';

const prefix = testPrefix('strict');
const captured = captureLogger('strict');
let app: FastifyInstance;
let queue: Queue<NotificationJobData>;

beforeAll(async () => {
  const cfg = loadApiConfig({
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    MIDTRANS_SERVER_KEY: TEST_SERVER_KEY,
    LOG_LEVEL: 'debug',
  });
  app = await buildApp(cfg, createApiDeps(cfg, captured.logger), captured.logger);
  queue = new Queue<NotificationJobData>(QUEUES.notifications, { connection: { url: REDIS_URL }, prefix });
});
afterAll(async () => {
  await app.close();
  await queue.close();
  await deletePrefix(prefix);
});

const post = (payload: object) =>
  app.inject({
    method: 'POST',
    url: '/webhooks/midtrans',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  });
const jobCount = () =>
  queue.getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized');
const sign = (order_id: string, status_code: string, gross_amount: string) =>
  computeSignature({ order_id, status_code, gross_amount }, TEST_SERVER_KEY);

describe('the boundary shift between order_id and status_code', () => {
  it('refuses every shifted copy of a genuine settlement (SHIFT-12 "00", SHIFT-120 "0", SHIFT-1200 "")', async () => {
    const genuine = signedNotification({ order_id: 'SHIFT-1', transaction_status: 'settlement' });
    expect((await post(genuine)).statusCode).toBe(200);
    const before = await jobCount();
    for (const [order_id, status_code] of [
      ['SHIFT-12', '00'],
      ['SHIFT-120', '0'],
      ['SHIFT-1200', ''],
    ] as const) {
      // The same signature verifies over the same concatenated text; the strict status_code
      // check refuses it before the hash is ever computed.
      expect(sign(order_id, status_code, '150000.00')).toBe(genuine.signature_key);
      const res = await post({ ...genuine, order_id, status_code });
      expect({ order_id, status: res.statusCode }).toEqual({ order_id, status: 400 });
      expect(res.json<{ error: { code: string } }>().error.code).toBe('LUNAS_ERR_BAD_NOTIFICATION');
    }
    expect(await jobCount()).toBe(before);
  });

  it.each([['0150000.00'], ['+150000.00'], [' 150000.00'], ['150000.0'], ['1.5e5'], ['-1.00']])(
    'refuses gross_amount %j even with a matching signature',
    async (gross_amount) => {
      const before = await jobCount();
      const res = await post({
        ...signedNotification({ order_id: 'AMT-FMT', transaction_status: 'settlement' }),
        gross_amount,
        signature_key: sign('AMT-FMT', '200', gross_amount),
      });
      expect(res.statusCode).toBe(400);
      expect(await jobCount()).toBe(before);
    },
  );
});

describe('status_code against transaction_status', () => {
  it.each([
    ['settlement', '201'],
    ['settlement', '202'],
    ['pending', '202'],
    ['deny', '200'],
    ['refund', '201'],
  ])('refuses %s with status_code %s, correctly signed', async (transaction_status, status_code) => {
    const before = await jobCount();
    const res = await post({
      ...signedNotification({ order_id: 'SC-1', transaction_status }),
      status_code,
      signature_key: sign('SC-1', status_code, '150000.00'),
    });
    expect(res.statusCode).toBe(400);
    expect(await jobCount()).toBe(before);
  });

  it('accepts the published samples: challenge 201, accept 200, and Payment Link numbers', async () => {
    for (const fields of [
      { transaction_status: 'capture', fraud_status: 'challenge', status_code: '201' },
      { transaction_status: 'capture', fraud_status: 'accept', status_code: '200' },
    ]) {
      const res = await post({
        ...signedNotification({ order_id: 'SC-2', ...fields }),
        signature_key: sign('SC-2', fields.status_code, '150000.00'),
      });
      expect(res.statusCode).toBe(200);
    }
    // Midtrans's Payment Link sample sends status_code and gross_amount as JSON numbers.
    const res = await post({
      ...signedNotification({ order_id: 'PL-9-1647944535605', transaction_status: 'pending' }),
      status_code: 201,
      gross_amount: 10000,
      signature_key: sign('PL-9-1647944535605', '201', '10000'),
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('subscription (recurring) notifications', () => {
  it('are refused with a 4xx that names them, never a 503, and nothing is queued', async () => {
    const before = await jobCount();
    const res = await post({
      transaction: { id: 'sub-tx-1', status: 'capture' },
      subscription: { id: 'sub-1', status: 'active' },
      event_name: 'subscription.charge',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('LUNAS_ERR_UNSUPPORTED_NOTIFICATION');
    expect(await jobCount()).toBe(before);
  });
});

describe('deduplication', () => {
  const jobIdOf = async (body: object) => {
    const res = await post(body);
    expect(res.statusCode).toBe(200);
    return res.json<{ jobId: string }>().jobId;
  };

  it('keeps apart what differs only in fraud_status, the refund amount, or a bank confirmation', async () => {
    const transaction_id = 'dedupe-tx-1';
    const challenge = await jobIdOf({
      ...signedNotification({
        order_id: 'DD-1',
        transaction_id,
        transaction_status: 'capture',
        fraud_status: 'challenge',
      }),
    });
    const accept = await jobIdOf({
      ...signedNotification({
        order_id: 'DD-1',
        transaction_id,
        transaction_status: 'capture',
        fraud_status: 'deny',
      }),
    });
    expect(accept).not.toBe(challenge);

    const refund = {
      refund_chargeback_id: 1,
      refund_amount: '5000.00',
      refund_key: 'rk-1',
      created_at: '2026-11-26 11:00:00',
    };
    const partial = (refund_amount: string, refunds: object[]) =>
      jobIdOf(
        signedNotification({
          order_id: 'DD-1',
          transaction_id,
          transaction_status: 'partial_refund',
          refund_amount,
          refunds,
        }),
      );
    const first = await partial('5000.00', [refund]);
    const confirmed = await partial('5000.00', [{ ...refund, bank_confirmed_at: '2026-11-26 11:05:00' }]);
    const second = await partial('8000.00', [
      refund,
      { ...refund, refund_chargeback_id: 2, refund_amount: '3000.00', refund_key: 'rk-2' },
    ]);
    expect(new Set([first, confirmed, second]).size).toBe(3);
    // A redelivery of the same body is the same job.
    expect(await partial('5000.00', [refund])).toBe(first);
  });
});
