import { createHash } from 'node:crypto';

/**
 * A small deterministic pseudo-random source. The stand-in must answer the same request with
 * the same text, so nothing it generates may come from `Math.random()` or the clock.
 */
export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** True with the given probability. */
  chance(probability: number): boolean;
  /**
   * An independent source derived from this one's seed and a label. Each schema path gets its own
   * fork, so adding a field to a schema does not reshuffle the text of every other field.
   */
  fork(label: string): SeededRandom;
}

/**
 * Builds a generator from any text (the stand-in uses model + instructions + input).
 *
 * @example
 * const random = createSeededRandom('gpt-4o\u0000Plan searches\u0000quantum sensing');
 * random.int(1, 6); // the same number on every run
 */
export function createSeededRandom(seedText: string): SeededRandom {
  const digest = createHash('sha256').update(seedText).digest();
  // sfc32 wants four 32-bit words of state; the digest has eight, the first four suffice.
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  const next = (): number => {
    // sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG): tiny, fast and good enough for text.
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  const random: SeededRandom = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new RangeError('pick() needs a non-empty list');
      return item;
    },
    chance: (probability) => next() < probability,
    // Forks hash the parent's digest, not its text, so deep schemas stay cheap on long inputs.
    fork: (label) => createSeededRandom(`${digest.toString('hex')}\u0000${label}`),
  };
  return random;
}
