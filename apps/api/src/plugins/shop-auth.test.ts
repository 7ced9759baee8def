/** SHOP_API_TOKEN: as strong as ADMIN_TOKEN, a different value, and never in the error. */
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../config.js';

const STRONG = 'shop-token-9f8e7d6c5b4a39281706f5e4d3c2b1a0';

describe('SHOP_API_TOKEN', () => {
  it('accepts a strong token', () => {
    expect(loadApiConfig({ SHOP_API_TOKEN: STRONG }).SHOP_API_TOKEN).toBe(STRONG);
  });

  it('refuses a short or predictable token without echoing it', () => {
    expect(() => loadApiConfig({ SHOP_API_TOKEN: 'short-token' })).toThrow(
      /SHOP_API_TOKEN must be at least 32/,
    );
    const predictable = 'abcd'.repeat(10);
    expect(() => loadApiConfig({ SHOP_API_TOKEN: predictable })).toThrow(/SHOP_API_TOKEN is too predictable/);
    try {
      loadApiConfig({ SHOP_API_TOKEN: predictable });
    } catch (error) {
      expect(String(error)).not.toContain(predictable);
    }
  });

  it('must differ from ADMIN_TOKEN', () => {
    expect(() => loadApiConfig({ SHOP_API_TOKEN: STRONG, ADMIN_TOKEN: STRONG })).toThrow(
      /SHOP_API_TOKEN must differ from ADMIN_TOKEN/,
    );
  });
});
