import { describe, expect, it } from 'vitest';
import { apiEnvSchema } from '../config.js';

const env = { DATABASE_URL: 'postgres://u@127.0.0.1/db', REDIS_URL: 'redis://127.0.0.1:6379' };
const strong = '4f0c1a9e7b3d5f2a8c6e0b4d9f1a3c5e7b2d4f6a';

describe('SHOP_API_TOKEN', () => {
  it('is at least 32 characters, strong, and not the admin token', () => {
    expect(apiEnvSchema.safeParse({ ...env, SHOP_API_TOKEN: 'short' }).success).toBe(false);
    expect(apiEnvSchema.safeParse({ ...env, SHOP_API_TOKEN: 'ab'.repeat(20) }).success).toBe(false);
    expect(apiEnvSchema.safeParse({ ...env, SHOP_API_TOKEN: strong, ADMIN_TOKEN: strong }).success).toBe(
      false,
    );
    const ok = apiEnvSchema.safeParse({ ...env, SHOP_API_TOKEN: strong });
    expect(ok.success).toBe(true);
    // The value never reaches an error message.
    const weak = apiEnvSchema.safeParse({ ...env, SHOP_API_TOKEN: 'ab'.repeat(20) });
    expect(JSON.stringify(weak.error?.issues)).not.toContain('abab');
  });
});
