/**
 * Lunas's own Get Status client (@lunas/midtrans createMidtransClient) against the simulator:
 * concurrent calls share the client's keep-alive connections instead of opening one each.
 */
import { createMidtransClient } from '@lunas/midtrans';
import { describe, expect, it } from 'vitest';
import { startHarness, TEST_KEY, vaCharge } from './testing/harness.js';

const quiet = () => undefined;

describe('the Lunas Get Status client against the simulator', () => {
  it('runs 40 concurrent calls over at most its 4 connections, and keeps them for the next 40', async () => {
    const { sim } = await startHarness();
    const ids: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      ids.push(String((await sim.charge(vaCharge(`ka-${i}`))).transaction_id));
    }
    let connections = 0;
    sim.app.server.on('connection', () => {
      connections += 1;
    });
    const client = createMidtransClient({
      serverKey: TEST_KEY,
      baseUrl: sim.url,
      timeoutMs: 5_000,
      connections: 4,
      rateLimiter: { acquire: () => Promise.resolve(0) },
      circuit: {
        allow: () => Promise.resolve({ allowed: true, probe: false }),
        onSuccess: () => Promise.resolve(),
        onFailure: () => Promise.resolve(),
        openForMs: () => Promise.resolve(0),
      },
      logger: { debug: quiet, warn: quiet, error: quiet },
    });
    try {
      const first = await Promise.all(ids.map((id) => client.getStatus(id)));
      expect(first.map((r) => r.kind)).toEqual(ids.map(() => 'found'));
      expect(connections).toBeGreaterThan(0);
      expect(connections).toBeLessThanOrEqual(4);
      const opened = connections;
      const second = await Promise.all(ids.map((id) => client.getStatus(id)));
      expect(second.map((r) => r.kind)).toEqual(ids.map(() => 'found'));
      expect(connections).toBe(opened);
    } finally {
      await client.close?.();
    }
  });
});
