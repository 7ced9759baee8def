import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../config.js';
import { isAuthorized } from './admin-auth.js';

const TOKEN = 'a-very-long-admin-token-of-at-least-32-chars';

describe('admin auth', () => {
  it('accepts exactly "Bearer <token>"', () => {
    expect(isAuthorized(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(isAuthorized(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(isAuthorized(TOKEN, TOKEN)).toBe(false);
    expect(isAuthorized(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
    expect(isAuthorized(undefined, TOKEN)).toBe(false);
    expect(isAuthorized('Bearer ', TOKEN)).toBe(false);
  });

  it('requires ADMIN_TOKEN (≥ 32 chars) in production and leaves it optional elsewhere', () => {
    expect(() =>
      loadApiConfig({ NODE_ENV: 'production', MIDTRANS_SERVER_KEY: 'Mid-server-xxxxxxxx' }),
    ).toThrow(/ADMIN_TOKEN/);
    expect(() => loadApiConfig({ ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN/);
    expect(loadApiConfig({}).ADMIN_TOKEN).toBeUndefined();
    expect(
      loadApiConfig({
        NODE_ENV: 'production',
        MIDTRANS_SERVER_KEY: 'Mid-server-xxxxxxxx',
        ADMIN_TOKEN: TOKEN,
      }).ADMIN_TOKEN,
    ).toBe(TOKEN);
  });
});
