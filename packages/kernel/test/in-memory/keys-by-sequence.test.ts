import { describe, expect, it } from "vitest";
import { KeysBySequence } from "../../src/in-memory/keys-by-sequence.js";
import { createPrng } from "../../src/testing/simulation/prng.js";

/** A seeded mulberry32 stream (the simulator's), so a failing seed replays. */
const random = (seed: number): (() => number) => createPrng(seed).next;

/** Every observable of `keys` against a `Map<number, string>` given the same operations. */
function expectSame(keys: KeysBySequence, model: Map<number, string>, probes: number[]): void {
  expect(keys.size).toBe(model.size);
  expect([...keys.values()]).toEqual([...model.values()]);
  for (const sequence of probes) expect(keys.get(sequence)).toBe(model.get(sequence));
}

describe("KeysBySequence", () => {
  it("behaves as a map from sequence to key, in insertion order, on consecutive appends", () => {
    const keys = new KeysBySequence();
    const model = new Map<number, string>();
    for (let s = 5; s < 15; s++) {
      keys.set(s, `k${s}`);
      model.set(s, `k${s}`);
    }
    keys.set(7, "again");
    model.set(7, "again");
    expect(keys.delete(9)).toBe(model.delete(9));
    expect(keys.delete(9)).toBe(model.delete(9));
    keys.set(15, "k15");
    model.set(15, "k15");
    expectSame(keys, model, [4, 5, 7, 9, 14, 15, 16, 5.5, -1]);
  });

  it("keeps insertion order through gaps, out-of-order sequences and keys written again", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const keys = new KeysBySequence();
      const model = new Map<number, string>();
      // Mostly the next sequence, as the kernel appends; sometimes anything in a small range.
      let last = Math.floor(next() * 3);
      for (let op = 0; op < 40; op++) {
        const roll = next();
        const sequence = roll < 0.6 ? ++last : Math.floor(next() * (last + 3)) - 1;
        if (roll < 0.85) {
          keys.set(sequence, `k${op}`);
          model.set(sequence, `k${op}`);
        } else {
          expect(keys.delete(sequence)).toBe(model.delete(sequence));
        }
        expectSame(keys, model, [sequence, sequence - 1, sequence + 1, last, last + 1]);
      }
    }
  });

  it("takes any number as a sequence, as a map does", () => {
    const keys = new KeysBySequence();
    const model = new Map<number, string>();
    for (const sequence of [0.5, 1.5, -0, 0, Number.NaN, 2.5, Number.POSITIVE_INFINITY]) {
      keys.set(sequence, `k${sequence}`);
      model.set(sequence, `k${sequence}`);
    }
    expectSame(keys, model, [0.5, 1.5, 0, -0, Number.NaN, 2.5, 3.5, Number.POSITIVE_INFINITY]);
  });
});
