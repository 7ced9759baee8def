/**
 * Fault injection: duplicated, dropped, reordered and delayed notifications; a flaky or hung
 * status API; and seeded random faults that replay identically.
 */
import { describe, expect, it } from 'vitest';
import type { Simulator } from './simulator.js';
import { basicAuthHeader } from './http/auth.js';
import { startHarness, settled, TEST_KEY, vaCharge } from './testing/harness.js';
import { waitFor } from './testing/wait-for.js';

function getStatus(sim: Simulator, id: string, timeoutMs = 2_000): Promise<Response> {
  return fetch(`${sim.url}/v2/${id}/status`, {
    headers: { authorization: basicAuthHeader(TEST_KEY), accept: 'application/json' },
    signal: AbortSignal.timeout(timeoutMs),
  });
}

describe('notification faults', () => {
  it('duplicate: delivers the identical signed body twice', async () => {
    const { sim, receiver } = await startHarness();
    sim.faults.set({ duplicate: true });
    await sim.charge(vaCharge('fault-dup'));
    await settled(sim);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1]?.body).toEqual(receiver.requests[0]?.body);
    expect(sim.deliveries('fault-dup').map((d) => [d.copy, d.faults])).toEqual([
      [1, ['duplicate']],
      [2, ['duplicate']],
    ]);
  });

  it('drop: never sends the notification, for the given number of notifications only', async () => {
    const { sim, receiver } = await startHarness();
    sim.faults.set({ drop: true, times: 1 });
    await sim.charge(vaCharge('fault-drop'));
    await settled(sim);
    expect(receiver.requests).toHaveLength(0);
    expect(sim.deliveries('fault-drop')).toMatchObject([
      { attempt: 0, outcome: 'dropped', transactionStatus: 'pending' },
    ]);

    await sim.pay('fault-drop');
    await settled(sim);
    expect(receiver.requests.map((r) => r.body.transaction_status)).toEqual(['settlement']);
  });

  it('reorder: settlement arrives before pending', async () => {
    const { sim, receiver } = await startHarness();
    sim.faults.set({ reorder: true, times: 1 }, { orderId: 'fault-reorder' });
    await sim.charge(vaCharge('fault-reorder'));
    await settled(sim);
    expect(receiver.requests).toHaveLength(0); // pending is held back

    await sim.pay('fault-reorder');
    await settled(sim);
    expect(receiver.requests.map((r) => r.body.transaction_status)).toEqual(['settlement', 'pending']);
  });

  it('delay: a delayed pending lets the settlement overtake it', async () => {
    const { sim, receiver } = await startHarness();
    sim.faults.set({ delayMs: 150, times: 1 });
    const started = Date.now();
    await sim.charge(vaCharge('fault-delay'));
    await sim.pay('fault-delay');
    await settled(sim);
    expect(receiver.requests.map((r) => r.body.transaction_status)).toEqual(['settlement', 'pending']);
    expect((receiver.requests[1]?.at ?? 0) - started).toBeGreaterThanOrEqual(145);
  });

  it('scopes a fault to one order and leaves the others alone', async () => {
    const { sim, receiver } = await startHarness();
    sim.faults.set({ drop: true }, { orderId: 'fault-scoped-a' });
    await sim.charge(vaCharge('fault-scoped-a'));
    await sim.charge(vaCharge('fault-scoped-b'));
    await settled(sim);
    expect(receiver.requests.map((r) => r.body.order_id)).toEqual(['fault-scoped-b']);
  });

  it("waits for a notification's first answer before sending the transaction's next one", async () => {
    const { sim, receiver } = await startHarness({}, (req) =>
      req.body.transaction_status === 'pending' ? { status: 200, delayMs: 100 } : { status: 200 },
    );
    await sim.charge(vaCharge('fault-order'));
    await sim.pay('fault-order');
    await settled(sim);
    const [pending, settlement] = receiver.requests;
    expect([pending?.body.transaction_status, settlement?.body.transaction_status]).toEqual([
      'pending',
      'settlement',
    ]);
    expect((settlement?.at ?? 0) - (pending?.at ?? 0)).toBeGreaterThanOrEqual(95);
  });

  it('sends in event order when no fault is set', async () => {
    const { sim, receiver } = await startHarness();
    await sim.charge(vaCharge('fault-none'));
    await sim.pay('fault-none');
    await sim.refund('fault-none').catch(() => undefined); // VA is not refundable: 412, no notification
    await settled(sim);
    expect(receiver.requests.map((r) => r.body.transaction_status)).toEqual(['pending', 'settlement']);
  });
});

describe('status API faults', () => {
  it('answers 503 for the next N calls, then the truth', async () => {
    const { sim } = await startHarness();
    await sim.charge(vaCharge('fault-5xx'));
    sim.faults.set({ statusApi: { respond: 503, count: 2 } });
    const codes: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await getStatus(sim, 'fault-5xx');
      codes.push(response.status);
      if (response.status === 503) {
        expect(await response.json()).toMatchObject({ status_code: '503' });
      } else {
        await response.arrayBuffer();
      }
    }
    expect(codes).toEqual([503, 503, 200]);
  });

  it('answers 429 for a while, then recovers', async () => {
    const { sim } = await startHarness();
    await sim.charge(vaCharge('fault-429'));
    sim.faults.set({ statusApi: { respond: 429, durationMs: 100 } }, { orderId: 'fault-429' });
    expect((await getStatus(sim, 'fault-429')).status).toBe(429);
    await waitFor(async () => (await getStatus(sim, 'fault-429')).status === 200, { timeoutMs: 2_000 });
  });

  it('hangs a status call until the client gives up, and close() does not wait for it', async () => {
    const { sim } = await startHarness();
    await sim.charge(vaCharge('fault-hang'));
    sim.faults.set({ statusApi: { respond: 'hang', count: 1, hangMs: 60_000 } });
    await expect(getStatus(sim, 'fault-hang', 200)).rejects.toThrow(/timeout|aborted/i);
    expect((await getStatus(sim, 'fault-hang')).status).toBe(200);
    const pending = getStatus(sim, 'fault-hang', 5_000).catch(() => undefined);
    sim.faults.set({ statusApi: { respond: 'hang', hangMs: 60_000 } });
    const started = Date.now();
    await waitFor(() => Date.now() - started > 20); // the call above is in flight
    const closing = Date.now();
    await sim.close();
    expect(Date.now() - closing).toBeLessThan(2_000);
    await pending;
  });
});

describe('seeded random faults', () => {
  async function run(seed: number): Promise<string[]> {
    const { sim } = await startHarness({ seed });
    sim.faults.set({ dropRate: 0.3, duplicateRate: 0.3, reorderRate: 0.3 });
    for (let i = 0; i < 12; i += 1) {
      await sim.charge(vaCharge(`seed-${i}`));
      await sim.pay(`seed-${i}`);
    }
    await settled(sim);
    await sim.close();
    return sim
      .transactions()
      .flatMap((tx) => sim.deliveries(tx.transaction_id))
      .map((d) => `${d.orderId}:${d.transactionStatus}:${d.copy}:${d.faults.join('+')}:${d.outcome}`)
      .sort();
  }

  it('replays the same fault decisions for the same seed', async () => {
    const first = await run(42);
    const second = await run(42);
    const other = await run(43);
    expect(second).toEqual(first);
    expect(first.some((line) => /drop|duplicate|reorder/.test(line))).toBe(true);
    expect(other).not.toEqual(first);
  });
});
