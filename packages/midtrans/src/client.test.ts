import { describe, expect, it } from 'vitest';
import type { CircuitBreaker } from './circuit-breaker.js';
import { createMidtransClient, resolveMidtransBaseUrl } from './client.js';

const KEY = 'SB-Mid-server-client-test';

function harness(
  answer: (url: string, init: RequestInit) => Promise<Response>,
  permit: Awaited<ReturnType<CircuitBreaker['allow']>> = { allowed: true, probe: false },
) {
  const events: string[] = [];
  const lines: string[] = [];
  const log = (obj: object, msg?: string) => lines.push(JSON.stringify({ ...obj, msg }));
  const client = createMidtransClient({
    serverKey: KEY,
    baseUrl: 'http://midtrans.test',
    timeoutMs: 200,
    rateLimiter: {
      acquire: () => {
        events.push('acquire');
        return Promise.resolve(0);
      },
    },
    circuit: {
      allow: () => Promise.resolve(permit),
      onSuccess: () => {
        events.push('success');
        return Promise.resolve();
      },
      onFailure: () => {
        events.push('failure');
        return Promise.resolve();
      },
      openForMs: () => Promise.resolve(0),
    },
    logger: { debug: log, warn: log, error: log },
    fetch: (input, init) => answer(input instanceof Request ? input.url : String(input), init ?? {}),
  });
  return { client, events, lines };
}

const json = (status: number, body: unknown) =>
  Promise.resolve(
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
  );

describe('Midtrans client', () => {
  it('asks GET {base}/v2/{id}/status with Basic auth, URL-encoding the id', async () => {
    let seen: { url: string; auth: string | null } | undefined;
    const { client } = harness((url, init) => {
      seen = { url, auth: new Headers(init.headers).get('authorization') };
      return json(404, { status_code: '404' });
    });
    expect(await client.getStatus('a#b c')).toMatchObject({ kind: 'not_found' });
    expect(seen?.url).toBe('http://midtrans.test/v2/a%23b%20c/status');
    expect(seen?.auth).toBe(`Basic ${Buffer.from(`${KEY}:`).toString('base64')}`);
  });

  it('turns a slow answer into a retryable timeout and counts it against the circuit', async () => {
    const { client, events } = harness(
      (_url, init) =>
        new Promise((_, reject) =>
          init.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
    );
    expect(await client.getStatus('x')).toMatchObject({ kind: 'retryable', reason: 'timeout' });
    expect(events).toEqual(['acquire', 'failure']);
  });

  it('honours Retry-After on 429', async () => {
    const { client } = harness(() =>
      Promise.resolve(
        new Response('{"status_code":"429"}', { status: 429, headers: { 'retry-after': '3' } }),
      ),
    );
    expect(await client.getStatus('x')).toMatchObject({
      kind: 'retryable',
      reason: 'rate_limited',
      retryAfterMs: 3000,
    });
  });

  it('makes no call while the circuit is open', async () => {
    let calls = 0;
    const { client, events } = harness(
      () => {
        calls += 1;
        return json(200, {});
      },
      { allowed: false, retryInMs: 500 },
    );
    expect(await client.getStatus('x')).toEqual({ kind: 'circuit_open', retryInMs: 500 });
    expect(calls).toBe(0);
    expect(events).toEqual([]);
  });

  it('alerts on 401 and never logs the server key', async () => {
    const { client, lines } = harness(() =>
      json(401, { status_code: '401', status_message: 'unauthorized' }),
    );
    expect(await client.getStatus('x')).toMatchObject({ kind: 'unauthorized' });
    expect(lines.join('\n')).toContain('"alert":true');
    expect(lines.join('\n')).not.toContain(KEY);
  });

  it('picks the base URL: explicit, else production or sandbox', () => {
    expect(resolveMidtransBaseUrl('http://127.0.0.1:9/', false)).toBe('http://127.0.0.1:9');
    expect(resolveMidtransBaseUrl(undefined, true)).toBe('https://api.midtrans.com');
    expect(resolveMidtransBaseUrl(undefined, false)).toBe('https://api.sandbox.midtrans.com');
  });
});
