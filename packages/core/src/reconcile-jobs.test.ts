import { describe, expect, it } from 'vitest';
import { nextCheckDelayMs, reconcileJobId } from './jobs.js';

describe('reconcile cadence and job ids', () => {
  const cadence = [60_000, 300_000, 900_000, 3_600_000];
  it('checks young payments often and old ones hourly', () => {
    expect([0, 1, 2, 3, 4, 50].map((n) => nextCheckDelayMs(n, cadence))).toEqual([
      60_000, 300_000, 900_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
  });
  it('makes one job id per payment and due time, without ":"', () => {
    expect(reconcileJobId('42', 1_700_000_000_123.9)).toBe('rcn-42-1700000000123');
    expect(reconcileJobId('42', 1)).not.toContain(':');
  });
});
