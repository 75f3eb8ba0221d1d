/**
 * A small seeded pseudo-random generator (mulberry32) for the simulator: the same seed gives
 * the same sequence on every platform, so a failing seed replays exactly. Never `Math.random`.
 */

/** A seeded source of pseudo-random numbers; see {@link createPrng}. */
export interface Prng {
  /** The seed it was created with. */
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** An integer in [min, max] (both included). */
  int(min: number, max: number): number;
  /** True with probability `p` (0 never calls for a number, so rates of 0 change nothing). */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** An index chosen with the given (non-negative) weights; -1 when they are all 0. */
  weighted(weights: readonly number[]): number;
  /** A new generator derived from this one's next number (an independent stream). */
  fork(): Prng;
}

/**
 * Creates a mulberry32 generator from a 32-bit seed.
 *
 * @example
 * ```ts
 * const prng = createPrng(42);
 * prng.int(1, 6); // the same roll for seed 42, every time
 * ```
 */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const prng: Prng = {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => p > 0 && next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0)
        throw new RangeError("[ratchet] [simulation] pick from an empty list");
      return items[Math.floor(next() * items.length)] as T;
    },
    weighted: (weights) => {
      let total = 0;
      for (const w of weights) total += w;
      if (!(total > 0)) return -1;
      let r = next() * total;
      for (let i = 0; i < weights.length; i++) {
        r -= weights[i] as number;
        if (r < 0) return i;
      }
      return weights.length - 1;
    },
    fork: () => createPrng(Math.floor(next() * 4294967296)),
  };
  return prng;
}

/**
 * A deterministic 32-bit hash of its parts (FNV-1a), for decisions that must not depend on the
 * order things happen in — e.g. whether attempt 2 of stage `b` of a run fails.
 *
 * @example
 * ```ts
 * const fails = hashUnit(seed, ctx.workflowRunId, ctx.stageId, ctx.attempt) < 0.2;
 * ```
 */
export function hash32(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = `${part}\u0001`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

/** {@link hash32} scaled to [0, 1). */
export function hashUnit(...parts: readonly (string | number)[]): number {
  return hash32(...parts) / 4294967296;
}
