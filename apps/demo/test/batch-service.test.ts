/** The simulated embedding batch service. */
import { describe, expect, it } from "vitest";
import {
  batchDelayMs,
  checkBatch,
  EMBEDDING_DIMENSIONS,
  embedText,
  submitBatch,
} from "../src/index.js";

describe("batch service", () => {
  it("is done 1–1.7 s after submission, not before", () => {
    const ticket = submitBatch(["a passage", "another one"], 10_000);
    const delay = batchDelayMs(["a passage", "another one"]);
    expect(delay).toBeGreaterThanOrEqual(1_000);
    expect(delay).toBeLessThan(1_700);
    expect(checkBatch(ticket, 10_000 + delay - 1)).toEqual({
      done: false,
      readyAt: 10_000 + delay,
    });
    const done = checkBatch(ticket, 10_000 + delay);
    expect(done).toMatchObject({ done: true, batchMs: delay });
  });

  it("embeds text into deterministic unit vectors", () => {
    const vector = embedText("durable workflows");
    expect(vector).toHaveLength(EMBEDDING_DIMENSIONS);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 2);
    expect(embedText("durable workflows")).toEqual(vector);
    expect(embedText("something else")).not.toEqual(vector);
  });
});
