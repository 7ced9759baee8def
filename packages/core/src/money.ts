/**
 * Exact money comparison without floating point. Midtrans sends amounts as strings with two
 * decimals ("10000.00"); Postgres numeric(14,2) comes back the same way. Both are parsed to
 * integer minor units (sen) as bigint.
 */
const AMOUNT = /^\s*(\d{1,15})(?:\.(\d{1,2}))?\s*$/;

/** Returns the amount in minor units, or null when the text is not a plain non-negative amount. */
export function toMinorUnits(amount: string | number): bigint | null {
  const text = typeof amount === 'number' ? (Number.isFinite(amount) ? amount.toFixed(2) : '') : amount;
  const match = AMOUNT.exec(text);
  if (!match) {
    return null;
  }
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').padEnd(2, '0');
  return BigInt(whole) * 100n + BigInt(fraction);
}

/** True when both are valid amounts and equal to the sen. */
export function sameAmount(a: string | number, b: string | number): boolean {
  const left = toMinorUnits(a);
  const right = toMinorUnits(b);
  return left !== null && right !== null && left === right;
}

/** -1, 0 or 1 as a is less than, equal to or more than b; null when either is not an amount. */
export function compareAmounts(a: string | number, b: string | number): -1 | 0 | 1 | null {
  const left = toMinorUnits(a);
  const right = toMinorUnits(b);
  if (left === null || right === null) {
    return null;
  }
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Minor units back to "NNN.NN". */
export function formatMinorUnits(minor: bigint): string {
  const sign = minor < 0n ? '-' : '';
  const abs = minor < 0n ? -minor : minor;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}
