// Three workers share one reconciliation: one sweep per tick, each due payment checked once,
// and the Midtrans rate limit holds across the fleet (counted at the simulator).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncLogs } from '../harness/db.js';
import {
  chargedOrder,
  maxCallsInWindow,
  startReconcileSystem,
  type ReconcileSystem,
} from '../harness/reconcile.js';
import { waitFor } from '../harness/wait-for.js';

const RATE = 5;
const PAYMENTS = 25;
let rs: ReconcileSystem;

beforeAll(async () => {
  // A long cadence: within this test every payment is due exactly once.
  rs = await startReconcileSystem({
    label: 'rcnfleet',
    workers: 3,
    env: { MIDTRANS_RATE_LIMIT: String(RATE), RECONCILE_CADENCE_MS: '600000', RECONCILE_CONCURRENCY: '4' },
  });
});
afterAll(async () => {
  await rs?.close();
});

describe('three workers, one reconciliation', () => {
  it('checks each payment once, one sweep per tick, at most the rate limit per second', async () => {
    const codes = Array.from({ length: PAYMENTS }, (_, i) => `FLEET-${i}`);
    for (const code of codes) {
      await chargedOrder(rs, code);
    }
    const checked = async () => {
      const rows = await rs.system.db.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM core_payment_sync_logs WHERE sync_type = 'reconcile' AND order_code LIKE 'FLEET-%'`;
      return (rows[0]?.n ?? 0) >= PAYMENTS;
    };
    await waitFor(checked, { timeoutMs: 20_000, intervalMs: 200, what: 'every payment checked' });
    // Let three more ticks pass: none of them may check a payment again.
    const sweepsDone = () => rs.system.logs.lines.filter((l) => l.includes('reconcile sweep done')).length;
    const target = sweepsDone() + 3;
    await waitFor(() => sweepsDone() >= target, { timeoutMs: 10_000, what: 'three more sweeps' });

    for (const code of codes) {
      const logs = (await syncLogs(rs.system.db.sql, code)).filter((l) => l.syncType === 'reconcile');
      expect(logs, code).toHaveLength(1);
      expect(logs[0]).toMatchObject({ outcome: 'duplicate', toStatus: 'PENDING' });
      expect(
        rs.statusCalls.filter((c) => c.id === code || rs.sim.status(code)?.transaction_id === c.id),
        code,
      ).toHaveLength(1);
    }
    // The fleet-wide limit: calls are spaced 1/RATE apart, so any 1 s window holds ≤ RATE + 1.
    expect(rs.statusCalls.length).toBe(PAYMENTS);
    expect(maxCallsInWindow(rs.statusCalls, 1000)).toBeLessThanOrEqual(RATE + 1);

    // One sweep per tick however many workers: sweeps ≈ elapsed seconds, not three times that.
    const sweepLines = rs.system.logs.lines
      .filter((l) => l.includes('reconcile sweep done'))
      .map((l) => JSON.parse(l) as { time: number });
    const first = sweepLines[0]?.time ?? 0;
    const last = sweepLines[sweepLines.length - 1]?.time ?? 0;
    expect(sweepLines.length).toBeLessThanOrEqual(Math.ceil((last - first) / 1000) + 2);
  });
});
