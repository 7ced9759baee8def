// TRUST_PROXY_HOPS decides which address is the client's (the login rate limit keys on it).
import { afterAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../../../test/harness/logger.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../../../test/harness/redis.js';
import { buildApp, createApiDeps } from './app.js';
import { loadApiConfig } from './config.js';

const prefix = testPrefix('proxy');
afterAll(async () => {
  await deletePrefix(prefix);
});

async function clientIp(hops: string, forwardedFor: string): Promise<string> {
  const { logger } = captureLogger('proxy', 'warn');
  const config = loadApiConfig({
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    TRUST_PROXY_HOPS: hops,
    LOG_LEVEL: 'warn',
  });
  const app = await buildApp(config, createApiDeps(config, logger), logger);
  app.get('/test/ip', (request, reply) => reply.send({ ip: request.ip }));
  try {
    const res = await app.inject({
      method: 'GET',
      url: '/test/ip',
      remoteAddress: '10.0.0.1',
      headers: { 'x-forwarded-for': forwardedFor },
    });
    return res.json<{ ip: string }>().ip;
  } finally {
    await app.close();
  }
}

describe('TRUST_PROXY_HOPS', () => {
  it('ignores X-Forwarded-For by default, so a client cannot choose its own address', async () => {
    expect(await clientIp('0', '203.0.113.7')).toBe('10.0.0.1');
  });

  it('takes the address the nearest trusted proxy saw', async () => {
    expect(await clientIp('1', '198.51.100.1, 203.0.113.7')).toBe('203.0.113.7');
    expect(await clientIp('2', '198.51.100.1, 203.0.113.7')).toBe('198.51.100.1');
  });
});
