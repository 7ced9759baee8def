import { describe, expect, it } from 'vitest';
import { isStrongToken, loadApiConfig } from '../config.js';
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

  it('refuses low-entropy tokens at config load, naming the variable and never the value', () => {
    for (const weak of [
      'a'.repeat(32),
      'a'.repeat(64),
      'abcd'.repeat(8),
      'abcdefgh'.repeat(4),
      '0123456701234567'.repeat(2),
    ]) {
      expect(isStrongToken(weak)).toBe(false);
      let message = '';
      try {
        loadApiConfig({ ADMIN_TOKEN: weak });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain('ADMIN_TOKEN');
      expect(message).not.toContain(weak);
    }
    // Random tokens of the usual shapes pass: 32 hex (openssl rand -hex 16), 32 base64url, 48 hex.
    for (const strong of [
      '3f9c2a7be41d08c65a1f9e2d7b3c4a60',
      'Zq8-Lw3_xR7tN2bVk9YhP4sJ6mC1dE0f',
      '9b1e4c7a2d5f8e0b3a6c9d2e5f8a1b4c7d0e3f6a9b2c5d8e',
      TOKEN,
    ]) {
      expect(isStrongToken(strong)).toBe(true);
      expect(loadApiConfig({ ADMIN_TOKEN: strong }).ADMIN_TOKEN).toBe(strong);
    }
  });
});
