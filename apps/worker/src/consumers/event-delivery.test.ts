import { describe, expect, it } from 'vitest';
import { workerEnvSchema } from '../config.js';

const env = { DATABASE_URL: 'postgres://u@127.0.0.1/db', REDIS_URL: 'redis://127.0.0.1:6379' };
const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;

describe('event delivery settings', () => {
  it('needs a whsec_ secret with the URL', () => {
    const withoutSecret = workerEnvSchema.safeParse({ ...env, EVENTS_WEBHOOK_URL: 'http://127.0.0.1:9/e' });
    expect(withoutSecret.success).toBe(false);
    expect(JSON.stringify(withoutSecret.error?.issues)).toContain('EVENTS_WEBHOOK_SECRET');
    const badSecret = workerEnvSchema.safeParse({
      ...env,
      EVENTS_WEBHOOK_URL: 'http://127.0.0.1:9/e',
      EVENTS_WEBHOOK_SECRET: 'not-a-secret',
    });
    expect(badSecret.success).toBe(false);
    const ok = workerEnvSchema.parse({
      ...env,
      EVENTS_WEBHOOK_URL: 'http://127.0.0.1:9/e',
      EVENTS_WEBHOOK_SECRET: secret,
    });
    // The default retries span at least 24 hours: 6 s × (2^14 − 1).
    expect(
      ok.EVENTS_DELIVERY_BACKOFF_MS * (2 ** (ok.EVENTS_DELIVERY_ATTEMPTS - 1) - 1),
    ).toBeGreaterThanOrEqual(24 * 3_600_000);
  });
});
