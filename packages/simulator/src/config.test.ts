import { LOCAL_SIMULATOR_SERVER_KEY } from '@lunas/core';
import { describe, expect, it } from 'vitest';
import { loadSimulatorConfig } from './config.js';

describe('loadSimulatorConfig', () => {
  it('has working defaults for a local run', () => {
    expect(loadSimulatorConfig({})).toMatchObject({
      port: 4010,
      host: '127.0.0.1',
      serverKey: LOCAL_SIMULATOR_SERVER_KEY,
      notificationUrl: 'http://127.0.0.1:3000/webhooks/midtrans',
      timeScale: 1,
      seed: undefined,
      attemptTimeoutMs: 15_000,
    });
  });

  it('reads the variables and treats "none" as no account notification URL', () => {
    const config = loadSimulatorConfig({
      SIM_PORT: '0',
      SIM_TIME_SCALE: '0.001',
      SIM_SEED: '7',
      SIM_NOTIFICATION_URL: 'none',
    });
    expect(config).toMatchObject({ port: 0, timeScale: 0.001, seed: 7, notificationUrl: undefined });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names a bad variable without echoing secrets', () => {
    expect(() =>
      loadSimulatorConfig({ SIM_TIME_SCALE: '-1', MIDTRANS_SERVER_KEY: 'SB-Mid-server-SECRET' }),
    ).toThrow(/SIM_TIME_SCALE/);
    try {
      loadSimulatorConfig({ SIM_PORT: 'x', MIDTRANS_SERVER_KEY: 'SB-Mid-server-SECRET' });
    } catch (error) {
      expect(String(error)).not.toContain('SECRET');
    }
  });
});
