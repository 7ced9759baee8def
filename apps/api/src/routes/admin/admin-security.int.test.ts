/**
 * Access to the operations surface: every /admin route (Bull Board's API included) refuses a
 * request without the token or a session; the login sets a safe cookie, is rate limited, and
 * state-changing requests from a session need the CSRF token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertPayment } from '../../../../../test/harness/db.js';
import { TEST_ADMIN_TOKEN } from '../../../../../test/harness/reconcile.js';
import { listRoutes } from '../../../../../test/harness/routes.js';
import { startSystem, type TestSystem } from '../../../../../test/harness/system.js';

let system: TestSystem;
const PUBLIC = new Set(['/admin/login', '/admin/login.css', '/admin/login.js']);

beforeAll(async () => {
  system = await startSystem({
    label: 'opssec',
    withWorker: false,
    env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN, ADMIN_LOGIN_ATTEMPTS_PER_MINUTE: '5' },
  });
});
afterAll(async () => {
  await system?.close();
});

async function login(ip = '10.0.0.1'): Promise<{ cookie: string; setCookie: string }> {
  const response = await system.api.inject({
    method: 'POST',
    url: '/admin/login',
    remoteAddress: ip,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token: TEST_ADMIN_TOKEN, next: '/admin/queues' }).toString(),
  });
  expect(response.statusCode).toBe(303);
  expect(response.headers.location).toBe('/admin/queues');
  const setCookie = String(response.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0] ?? '', setCookie };
}

/** A concrete URL for a route pattern: params and wildcards get harmless values. */
const concrete = (url: string): string => url.replace(/:[A-Za-z]+/g, 'x1').replace(/\*$/, 'static/x.js');

describe('admin access', () => {
  it('answers 401 on every registered /admin route, Bull Board API included, without credentials', async () => {
    const routes = listRoutes(system.api).filter(
      (r) => r.url.startsWith('/admin') && !PUBLIC.has(r.url) && r.method !== 'HEAD',
    );
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.some((r) => r.url.startsWith('/admin/queues/api/queues'))).toBe(true);
    for (const [index, route] of routes.entries()) {
      for (const headers of [
        {},
        { authorization: 'Bearer wrong-token-wrong-token-wrong-token-00' },
        { cookie: '__Host-lunas_admin=forged' },
      ]) {
        const response = await system.api.inject({
          method: route.method as 'GET',
          url: concrete(route.url),
          // One client per route: wrong Bearer tokens count against the sign-in limit.
          remoteAddress: `10.77.${index >> 8}.${index & 255}`,
          headers,
          ...(route.method === 'GET' ? {} : { payload: {} }),
        });
        expect({ route: `${route.method} ${route.url}`, status: response.statusCode }).toEqual({
          route: `${route.method} ${route.url}`,
          status: 401,
        });
        expect(response.body).not.toMatch(/payment-notifications|PENDING/);
      }
    }
  });

  it('sends a browser without a session to the login page and serves the page with security headers', async () => {
    const redirect = await system.api.inject({ url: '/admin/queues', headers: { accept: 'text/html' } });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('/admin/login?next=%2Fadmin%2Fqueues');
    const page = await system.api.inject({ url: '/admin/login' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('logs in with a secure, http-only, strict cookie that does not contain the token', async () => {
    const { cookie, setCookie } = await login();
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/^__Host-lunas_admin=/);
    expect(setCookie).toMatch(/Path=\/(;|$)/);
    expect(setCookie).not.toMatch(/Domain=/i);
    expect(setCookie).not.toContain(TEST_ADMIN_TOKEN);
    const queues = await system.api.inject({ url: '/admin/queues/api/queues', headers: { cookie } });
    expect(queues.statusCode).toBe(200);
    const tampered = cookie.slice(0, -2) + (cookie.endsWith('AA') ? 'BB' : 'AA');
    expect(
      (await system.api.inject({ url: '/admin/queues/api/queues', headers: { cookie: tampered } }))
        .statusCode,
    ).toBe(401);
  });

  it('refuses a wrong token at the login form', async () => {
    const response = await system.api.inject({
      method: 'POST',
      url: '/admin/login',
      remoteAddress: '10.0.0.2',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=nope&next=https://evil.example/',
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/admin/login?error=invalid&next=%2Fadmin');
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('needs the CSRF token on state-changing session requests (Bull Board has none: it is read-only)', async () => {
    const { cookie } = await login('10.0.0.3');
    const order = await insertOrder(system.db.sql, 'OPS-CSRF-1');
    await insertPayment(system.db.sql, order.orderId);
    const session = await system.api.inject({ url: '/admin/session', headers: { cookie } });
    const { csrfToken } = session.json<{ csrfToken: string }>();
    expect(csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const missing = await system.api.inject({
      method: 'POST',
      url: '/admin/orders/NO-SUCH-ORDER/sync-payment',
      headers: { cookie },
    });
    expect(missing.statusCode).toBe(403);
    const wrong = await system.api.inject({
      method: 'POST',
      url: '/admin/orders/NO-SUCH-ORDER/sync-payment',
      headers: { cookie, 'x-csrf-token': 'x'.repeat(43) },
    });
    expect(wrong.statusCode).toBe(403);
    const right = await system.api.inject({
      method: 'POST',
      url: '/admin/orders/NO-SUCH-ORDER/sync-payment',
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    expect(right.statusCode).toBe(404);

    const retryUrl = '/admin/queues/api/queues/payment-notifications/retry/failed';
    expect((await system.api.inject({ method: 'PUT', url: retryUrl, headers: { cookie } })).statusCode).toBe(
      403,
    );
    expect(
      (
        await system.api.inject({
          method: 'PUT',
          url: retryUrl,
          headers: { cookie, origin: 'https://evil.example', host: 'lunas.test' },
        })
      ).statusCode,
    ).toBe(403);
    // A same-origin Origin is no longer an exception: Bull Board changes nothing here.
    const sameOrigin = await system.api.inject({
      method: 'PUT',
      url: retryUrl,
      headers: { cookie, origin: 'http://lunas.test', host: 'lunas.test' },
    });
    expect(sameOrigin.statusCode).toBe(403);
    const withToken = await system.api.inject({
      method: 'PUT',
      url: retryUrl,
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    expect(withToken.statusCode).toBe(405);
  });

  it('rate-limits login attempts per IP, right token or not', async () => {
    const attempt = (token: string) =>
      system.api.inject({
        method: 'POST',
        url: '/admin/login',
        remoteAddress: '10.9.9.9',
        payload: { token },
      });
    for (let i = 0; i < 5; i += 1) {
      expect((await attempt('wrong')).statusCode).toBe(401);
    }
    const limited = await attempt(TEST_ADMIN_TOKEN);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    // Another client is not affected.
    expect(
      (
        await system.api.inject({
          method: 'POST',
          url: '/admin/login',
          remoteAddress: '10.9.9.10',
          payload: { token: TEST_ADMIN_TOKEN },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('serves /metrics without the token and without order codes or amounts', async () => {
    const response = await system.api.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toContain('lunas_queue_jobs{queue="payment-notifications",state="waiting"');
    // Redis memory against its limit, for the alert that fires before Redis fills.
    expect(response.body).toMatch(/^lunas_redis_used_memory_bytes\{role="api"\} [1-9]\d*$/m);
    expect(response.body).toMatch(/^lunas_redis_maxmemory_bytes\{role="api"\} \d+$/m);
    expect(response.body).not.toContain('OPS-CSRF-1');
    expect(response.body).not.toContain('150000');
  });
});
