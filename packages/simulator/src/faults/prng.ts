/**
 * A small seeded PRNG (mulberry32) so that a seed replays the same fault decisions and jitter.
 * Not for cryptography.
 */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Independent streams per purpose, so that (say) an extra retry's jitter draw never shifts
 * which notification the fault stream drops.
 */
export function randomStreams(seed: number | undefined): { faults: Random; jitter: Random; data: Random } {
  if (seed === undefined) {
    return { faults: Math.random, jitter: Math.random, data: Math.random };
  }
  return {
    faults: seededRandom(seed),
    jitter: seededRandom(seed ^ 0x9e3779b9),
    data: seededRandom(seed ^ 0x85ebca6b),
  };
}
