import { describe, expect, it } from "vitest";
import { OutputCache } from "../../src/internal/stage/output-cache.js";

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
});
