import { describe, expect, it } from 'vitest';
import { loadApiConfig } from './config.js';

describe('loadApiConfig', () => {
  it('treats an empty ADMIN_TOKEN (compose `ADMIN_TOKEN=`) as unset: admin off outside production', () => {
    expect(loadApiConfig({ ADMIN_TOKEN: '' }).ADMIN_TOKEN).toBeUndefined();
  });

  it('still refuses a short or predictable token, naming the variable and never the value', () => {
    expect(() => loadApiConfig({ ADMIN_TOKEN: 'a'.repeat(40) })).toThrow(/ADMIN_TOKEN/);
    expect(() => loadApiConfig({ ADMIN_TOKEN: 'short-token' })).toThrow(/ADMIN_TOKEN/);
    try {
      loadApiConfig({ ADMIN_TOKEN: 'short-token' });
    } catch (error) {
      expect(String(error)).not.toContain('short-token');
    }
  });
});
