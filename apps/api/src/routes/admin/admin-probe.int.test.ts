/**
 * The security probe's findings on /admin, one test each: the sign-in limit (Bearer and form,
 * per client with IPv6 /64, the global ceiling, a proxy without TRUST_PROXY_HOPS), revocable
 * sessions, `next` validation, read-only Bull Board with masked signatures, the audited
 * dead-letter retries, short order ids in log lines and the scoped security headers.
 */
import { QUEUES } from '@lunas/core';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_TOKEN } from '../../../../../test/harness/reconcile.js';
import { REDIS_URL } from '../../../../../test/harness/redis.js';
import { listRoutes } from '../../../../../test/harness/routes.js';
import { startSystem, type TestSystem } from '../../../../../test/harness/system.js';
import { waitFor } from '../../../../../test/harness/wait-for.js';

const PER_CLIENT = 5;
const GLOBAL = 60;
const SIGNATURE = 'f'.repeat(128);

let system: TestSystem;
let redis: Redis;
const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

beforeAll(async () => {
  system = await startSystem({
    label: 'probe',
    withWorker: false,
    env: {
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      ADMIN_LOGIN_ATTEMPTS_PER_MINUTE: String(PER_CLIENT),
      ADMIN_AUTH_FAILURES_GLOBAL_PER_MINUTE: String(GLOBAL),
    },
  });
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  redis?.disconnect();
  await system?.close();
});

const bearer = (token: string, ip: string, headers: Record<string, string> = {}) =>
  system.api.inject({
    url: '/admin/payments/stuck',
    remoteAddress: ip,
    headers: { authorization: `Bearer ${token}`, ...headers },
  });

const loginJson = (token: string, ip: string, extra: Record<string, unknown> = {}) =>
  system.api.inject({
    method: 'POST',
    url: '/admin/login',
    remoteAddress: ip,
    payload: { token, ...extra },
  });

async function login(ip: string): Promise<{ cookie: string; csrfToken: string; id: string }> {
  const response = await loginJson(TEST_ADMIN_TOKEN, ip);
  expect(response.statusCode).toBe(200);
  const cookie = String(response.headers['set-cookie']).split(';')[0] ?? '';
  const session = await system.api.inject({ url: '/admin/session', headers: { cookie } });
  const keys = await redis.keys(`${system.prefix}:ops:session:*`);
  const id = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)).split('.')[0] ?? '';
  expect(keys).toContain(`${system.prefix}:ops:session:${id}`);
  return { cookie, csrfToken: session.json<{ csrfToken: string }>().csrfToken, id };
}

/** A job in the notifications queue's failed set, as the worker leaves a dead letter. */
async function deadLetter(orderId: string): Promise<Job> {
  const queue = new Queue(QUEUES.notifications, { connection: { url: REDIS_URL }, prefix: system.prefix });
  const worker = new Worker(
    QUEUES.notifications,
    () => {
      throw new Error('postgres is down');
    },
    { connection: { url: REDIS_URL, maxRetriesPerRequest: null }, prefix: system.prefix },
  );
  try {
    const job = await queue.add(
      'notification',
      {
        rawBody: JSON.stringify({ order_id: orderId, gross_amount: '150000.00', signature_key: SIGNATURE }),
        receivedAt: new Date().toISOString(),
      },
      { jobId: `dl-${orderId}`, attempts: 1, removeOnFail: false },
    );
    await waitFor(async () => ((await job.getState()) === 'failed' ? true : undefined), {
      what: `job ${orderId} failed`,
    });
    return job;
  } finally {
    await worker.close();
    await queue.close();
  }
}

describe('sign-in limit', () => {
  it('limits wrong Bearer tokens: after 30 wrong tries the right token is refused too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      statuses.push((await bearer('wrong-token-wrong-token-wrong-token-xx', '10.20.0.1')).statusCode);
    }
    expect(statuses.slice(0, PER_CLIENT)).toEqual(Array<number>(PER_CLIENT).fill(401));
    expect(new Set(statuses.slice(PER_CLIENT))).toEqual(new Set([429]));
    const right = await bearer(TEST_ADMIN_TOKEN, '10.20.0.1');
    expect(right.statusCode).toBe(429);
    expect(right.headers['retry-after']).toBe('60');
    expect(right.json()).toMatchObject({ error: { code: 'LUNAS_ERR_RATE_LIMITED' } });
    // The right token never counts: a script using it is never slowed down.
    for (let i = 0; i < PER_CLIENT * 3; i += 1) {
      expect((await bearer(TEST_ADMIN_TOKEN, '10.20.0.2')).statusCode).toBe(200);
    }
  });

  it('gives a whole IPv6 /64 one budget (IPv4 keys on the address)', async () => {
    for (let i = 1; i <= PER_CLIENT; i += 1) {
      expect((await loginJson('wrong', `2001:db8:7:1::${i}`)).statusCode).toBe(401);
    }
    expect((await loginJson(TEST_ADMIN_TOKEN, '2001:db8:7:1::ffff')).statusCode).toBe(429);
    expect((await loginJson(TEST_ADMIN_TOKEN, '2001:db8:7:2::1')).statusCode).toBe(200);
    // An IPv4-mapped IPv6 address is its IPv4 client.
    for (let i = 0; i < PER_CLIENT; i += 1) {
      expect((await loginJson('wrong', '10.30.0.9')).statusCode).toBe(401);
    }
    expect((await loginJson(TEST_ADMIN_TOKEN, '::ffff:10.30.0.9')).statusCode).toBe(429);
  });

  it('behind a proxy without TRUST_PROXY_HOPS: one shared budget, open sessions keep working, and a warning', async () => {
    const { cookie } = await login('10.40.0.1');
    for (let i = 0; i < PER_CLIENT; i += 1) {
      const response = await loginJson('wrong', '10.40.0.1', {});
      expect(response.statusCode).toBe(401);
    }
    const via = { 'x-forwarded-for': '198.51.100.23' };
    expect((await bearer(TEST_ADMIN_TOKEN, '10.40.0.1', via)).statusCode).toBe(429);
    // Sessions are not sign-in attempts: the admins already in stay in.
    expect((await system.api.inject({ url: '/admin/payments/stuck', headers: { cookie } })).statusCode).toBe(
      200,
    );
    expect(system.logs.lines.some((line) => line.includes('TRUST_PROXY_HOPS=0'))).toBe(true);
  });

  it('past the global ceiling, failures from every client get 429 but the right token still passes', async () => {
    // Spread the attack: PER_CLIENT − 1 failures from each of many addresses, past the ceiling
    // (the failures of the tests above only bring it closer).
    for (let sent = 0, ip = 0; sent <= GLOBAL; ip += 1) {
      for (let i = 0; i < PER_CLIENT - 1 && sent <= GLOBAL; i += 1, sent += 1) {
        await loginJson('wrong', `10.50.${ip >> 8}.${ip & 255}`);
      }
    }
    const wrong = await loginJson('wrong', '10.51.0.1');
    expect(wrong.statusCode).toBe(429);
    expect((await bearer(TEST_ADMIN_TOKEN, '10.51.0.2')).statusCode).toBe(200);
    expect((await loginJson(TEST_ADMIN_TOKEN, '10.51.0.3')).statusCode).toBe(200);
  });
});

describe('sessions', () => {
  it('revokes the session at logout: the old cookie stops working at once', async () => {
    const { cookie, csrfToken, id } = await login('10.60.0.1');
    expect((await system.api.inject({ url: '/admin/payments/stuck', headers: { cookie } })).statusCode).toBe(
      200,
    );
    const logout = await system.api.inject({
      method: 'POST',
      url: '/admin/logout',
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    expect(logout.statusCode).toBe(303);
    expect(String(logout.headers['set-cookie'])).toMatch(/^__Host-lunas_admin=;/);
    expect(await redis.exists(`${system.prefix}:ops:session:${id}`)).toBe(0);
    const after = await system.api.inject({ url: '/admin/payments/stuck', headers: { cookie } });
    expect(after.statusCode).toBe(401);
  });

  it('answers a bad `next` (CR LF, non-Latin-1) with 400 in the catalog shape, never a raw 500', async () => {
    for (const next of ['/admin\r\nSet-Cookie: x=1', '/admin/é', '/admin/\u2028', '/admin/\u{1F600}']) {
      for (const asForm of [true, false]) {
        const response = await system.api.inject({
          method: 'POST',
          url: '/admin/login',
          remoteAddress: '10.61.0.1',
          ...(asForm
            ? {
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                payload: new URLSearchParams({ token: TEST_ADMIN_TOKEN, next }).toString(),
              }
            : { payload: { token: TEST_ADMIN_TOKEN, next } }),
        });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({
          error: { code: 'LUNAS_ERR_BAD_REQUEST', requestId: expect.any(String) as string },
        });
        expect(response.headers['set-cookie']).toBeUndefined();
      }
    }
  });
});

describe('Bull Board', () => {
  it('refuses every state-changing API call and changes nothing in Redis', async () => {
    const failed = await deadLetter('BB-1');
    const queue = new Queue(QUEUES.notifications, { connection: { url: REDIS_URL }, prefix: system.prefix });
    await queue.add('notification', { rawBody: '{}' }, { jobId: 'bb-waiting', delay: 60_000 });
    const snapshot = async () => {
      const keys = (await redis.keys(`${system.prefix}:${QUEUES.notifications}:*`)).sort();
      return {
        keys,
        counts: await queue.getJobCounts('waiting', 'delayed', 'failed', 'completed', 'active'),
        paused: await queue.isPaused(),
      };
    };
    const before = await snapshot();
    const mutating = listRoutes(system.api).filter(
      (r) => r.url.startsWith('/admin/queues/api') && !['GET', 'HEAD'].includes(r.method),
    );
    expect(mutating.map((r) => r.url)).toEqual(
      expect.arrayContaining([
        '/admin/queues/api/queues/:queueName/add',
        '/admin/queues/api/queues/:queueName/empty',
        '/admin/queues/api/queues/:queueName/obliterate',
        '/admin/queues/api/queues/:queueName/pause',
        '/admin/queues/api/queues/:queueName/clean/:queueStatus',
        '/admin/queues/api/queues/:queueName/retry/:queueStatus',
        '/admin/queues/api/queues/:queueName/promote',
        '/admin/queues/api/queues/:queueName/:jobId/retry',
      ]),
    );
    for (const route of mutating) {
      const url = route.url
        .replace(':queueName', QUEUES.notifications)
        .replace(':queueStatus', 'failed')
        .replace(':jobId', failed.id ?? '')
        .replace(/:[A-Za-z]+/g, 'x1');
      const response = await system.api.inject({
        method: route.method as 'POST',
        url,
        headers: auth,
        payload: { name: 'injected', data: { rawBody: '{}' } },
      });
      expect({ route: `${route.method} ${route.url}`, status: response.statusCode }).toEqual({
        route: `${route.method} ${route.url}`,
        status: 405,
      });
      expect(response.json()).toMatchObject({ error: { code: 'LUNAS_ERR_READ_ONLY' } });
    }
    expect(await snapshot()).toEqual(before);
    await queue.close();
  });

  it('shows job data with signature_key masked', async () => {
    const job = await deadLetter('BB-MASK');
    const url = `/admin/queues/api/queues/${QUEUES.notifications}/${job.id ?? ''}`;
    const detail = await system.api.inject({ url, headers: auth });
    expect(detail.statusCode).toBe(200);
    expect(detail.body).not.toContain(SIGNATURE);
    const data = detail.json<{ job: { data: { rawBody: string } } }>().job.data;
    expect(JSON.parse(data.rawBody)).toMatchObject({ order_id: 'BB-MASK', signature_key: '***' });
    const list = await system.api.inject({
      url: `/admin/queues/api/queues?activeQueue=${QUEUES.notifications}&status=failed&page=1`,
      headers: auth,
    });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('BB-MASK');
    expect(list.body).not.toContain(SIGNATURE);
  });
});

describe('dead-letter retries', () => {
  const retry = (jobId: string, payload: unknown, headers: Record<string, string> = auth) =>
    system.api.inject({
      method: 'POST',
      url: `/admin/dead-letters/${jobId}/retry`,
      headers,
      payload: payload as object,
    });

  it('moves one failed job back to waiting, with a reason, and audits who and why', async () => {
    const job = await deadLetter('DL-1');
    expect((await retry(job.id ?? '', {})).statusCode).toBe(400);
    expect((await retry(job.id ?? '', { reason: 'x'.repeat(501) })).statusCode).toBe(400);
    expect((await retry('no-such-job', { reason: 'replay' })).statusCode).toBe(404);

    const response = await retry(job.id ?? '', { reason: 'Postgres was down 10:00–10:05' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ moved: [{ jobId: job.id, orderCode: 'DL-1' }] });
    expect(await system.queue.getJobState(job.id ?? '')).toBe('waiting');

    const again = await retry(job.id ?? '', { reason: 'twice' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'LUNAS_ERR_CONFLICT' } });

    const audit = await system.api.inject({ url: '/admin/audit?limit=5', headers: auth });
    expect(audit.statusCode).toBe(200);
    const entries = audit.json<{
      entries: { actor: string; action: string; target: string; reason: string }[];
    }>().entries;
    expect(entries[0]).toMatchObject({
      actor: 'bearer',
      action: 'dead_letter.retry',
      target: job.id,
      reason: 'Postgres was down 10:00–10:05',
    });
    expect(audit.body).not.toContain(TEST_ADMIN_TOKEN);
    expect((await system.api.inject({ url: '/admin/audit?limit=0', headers: auth })).statusCode).toBe(400);
  });

  it('records the console session as the actor, and needs the CSRF token', async () => {
    const job = await deadLetter('DL-2');
    const { cookie, csrfToken, id } = await login('10.70.0.1');
    expect((await retry(job.id ?? '', { reason: 'from the console' }, { cookie })).statusCode).toBe(403);
    const response = await retry(
      job.id ?? '',
      { reason: 'from the console' },
      { cookie, 'x-csrf-token': csrfToken },
    );
    expect(response.statusCode).toBe(200);
    const rows = await system.db.sql<{ actor: string }[]>`
      SELECT actor FROM admin_audit WHERE target = ${job.id ?? ''}`;
    expect(rows).toEqual([{ actor: `session:${id}` }]);
  });

  it('retries listed jobs or a failure window, bounded, and audits each call once', async () => {
    const a = await deadLetter('DL-BULK-A');
    // After A: the earlier tests' retried jobs, re-failed by A's worker, fall before the window.
    const from = new Date().toISOString();
    const b = await deadLetter('DL-BULK-B');
    const c = await deadLetter('DL-BULK-C');
    const bulk = (payload: unknown) =>
      system.api.inject({
        method: 'POST',
        url: '/admin/dead-letters/retry',
        headers: auth,
        payload: payload as object,
      });

    expect((await bulk({ reason: 'r', jobIds: [] })).statusCode).toBe(400);
    expect(
      (await bulk({ reason: 'r', jobIds: Array.from({ length: 101 }, (_, i) => `j${i}`) })).statusCode,
    ).toBe(400);
    expect((await bulk({ jobIds: [a.id] })).statusCode).toBe(400);

    const listed = await bulk({ reason: 'replay A', jobIds: [a.id, 'no-such-job'] });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toMatchObject({
      moved: [{ jobId: a.id, orderCode: 'DL-BULK-A' }],
      skipped: [{ jobId: 'no-such-job', reason: 'not_found' }],
    });

    const window = await bulk({
      reason: 'replay the outage',
      failedFrom: from,
      failedTo: new Date().toISOString(),
      limit: 1,
    });
    expect(window.statusCode).toBe(200);
    const moved = window.json<{ moved: { jobId: string }[] }>().moved;
    expect(moved).toHaveLength(1);
    expect([b.id, c.id]).toContain(moved[0]?.jobId);

    const rows = await system.db.sql<{ action: string; target: string; detail: { jobIds: string[] } }[]>`
      SELECT action, target, detail FROM admin_audit WHERE action = 'dead_letter.retry_bulk' ORDER BY id`;
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ target: 'jobs:2', detail: { jobIds: [a.id] } });
    expect(rows[1]?.target).toMatch(/^window:/);
  });
});

describe('logs and headers', () => {
  it('logs the first 64 characters of a huge order id, with its length', async () => {
    const orderId = 'O'.repeat(56 * 1024);
    const response = await system.api.inject({
      method: 'POST',
      url: '/webhooks/midtrans',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        order_id: orderId,
        status_code: '200',
        gross_amount: '1.00',
        transaction_status: 'settlement',
        signature_key: 'forged',
      }),
    });
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    const lines = system.logs.lines.filter((line) => line.includes('OOOOOOOO'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line.length).toBeLessThan(2_000);
      expect(line).toContain(`"orderIdLength":${orderId.length}`);
    }
  });

  it('puts the admin headers on every /admin answer (404s too) and never on the webhook or health', async () => {
    const missing = await system.api.inject({ url: '/admin/no-such-page', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['x-frame-options']).toBe('DENY');
    for (const url of ['/healthz', '/metrics']) {
      expect((await system.api.inject({ url })).headers['x-frame-options']).toBeUndefined();
    }
    const webhook = await system.api.inject({ method: 'POST', url: '/webhooks/midtrans', payload: 'x' });
    expect(webhook.statusCode).toBe(400);
    expect(webhook.headers['x-frame-options']).toBeUndefined();
  });
});
