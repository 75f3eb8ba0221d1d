import { describe, expect, it } from "vitest";
import { OutputCache } from "../../src/internal/stage/output-cache.js";
import { forgetOutputs } from "../../src/internal/stage/outputs.js";
import type { StageRecord } from "../../src/records.js";

describe("OutputCache", () => {
  it("evicts the least recently used outputs once over its byte budget", () => {
    const cache = new OutputCache(10);
    cache.set("a", "A", 4);
    cache.set("b", "B", 4);
    expect(cache.get("a")?.value).toBe("A"); // now b is the least recently used
    cache.set("c", "C", 4);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.value).toBe("A");
    expect(cache.get("c")?.value).toBe("C");
  });

  it("moves a read entry behind every entry set after it, even one it was newest before", () => {
    const cache = new OutputCache(10);
    cache.set("a", "A", 4);
    expect(cache.get("a")?.value).toBe("A"); // already the most recently used: stays last
    cache.set("b", "B", 4);
    expect(cache.get("a")?.value).toBe("A"); // now b is the least recently used
    cache.set("c", "C", 4);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.value).toBe("A");
  });

  it("skips outputs larger than the budget and recounts a replaced entry", () => {
    const cache = new OutputCache(10);
    cache.set("big", "X", 11);
    expect(cache.get("big")).toBeUndefined();
    cache.set("a", "A1", 9);
    cache.set("a", "A2", 2);
    cache.set("b", "B", 8);
    expect(cache.get("a")?.value).toBe("A2");
    expect(cache.get("b")?.value).toBe("B");
  });

  it("drops an output on delete and gives its bytes back to the budget", () => {
    const cache = new OutputCache(10);
    cache.set("a", "A", 6);
    cache.set("b", "B", 4);
    cache.delete("a");
    cache.delete("missing");
    expect(cache.get("a")).toBeUndefined();
    // With a's 6 bytes given back, c fits beside b and evicts nothing.
    cache.set("c", "C", 6);
    expect(cache.get("b")?.value).toBe("B");
    expect(cache.get("c")?.value).toBe("C");
  });

  it("forgets the outputs of the given records only", () => {
    const outputCache = new OutputCache(100);
    outputCache.set("r1", 1, 1);
    outputCache.set("r2", 2, 1);
    outputCache.set("other", 3, 1);
    forgetOutputs({ outputCache }, [{ id: "r1" }, { id: "r2" }] as StageRecord[]);
    expect(outputCache.get("r1")).toBeUndefined();
    expect(outputCache.get("r2")).toBeUndefined();
    expect(outputCache.get("other")?.value).toBe(3);
  });
});
