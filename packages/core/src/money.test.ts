import { describe, expect, it } from 'vitest';
import { sameAmount, toMinorUnits } from './money.js';

describe('money', () => {
  it('parses Midtrans and Postgres amounts exactly', () => {
    expect(toMinorUnits('150000.00')).toBe(15_000_000n);
    expect(toMinorUnits('150000')).toBe(15_000_000n);
    expect(toMinorUnits('0.5')).toBe(50n);
    expect(toMinorUnits(10000)).toBe(1_000_000n);
    expect(toMinorUnits('999999999999.99')).toBe(99_999_999_999_999n);
  });

  it('rejects what is not a plain amount', () => {
    for (const bad of ['', '-1.00', '1.001', '1e5', 'abc', '1,000.00', ' ', '0x10']) {
      expect(toMinorUnits(bad)).toBeNull();
    }
    expect(toMinorUnits(Number.NaN)).toBeNull();
  });

  it('compares to the sen without floating point', () => {
    expect(sameAmount('150000.00', '150000')).toBe(true);
    expect(sameAmount('150000.01', '150000.00')).toBe(false);
    expect(sameAmount('0.30', 0.3)).toBe(true);
    expect(sameAmount('abc', 'abc')).toBe(false);
  });
});
