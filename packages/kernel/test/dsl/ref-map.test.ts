import { describe, expect, it } from "vitest";
import { RefMap } from "../../src/dsl/ref-map.js";

const ref = (workflowId: string, workflowVersion: string, fingerprint: string) => ({
  workflowId,
  workflowVersion,
  fingerprint,
});

describe("RefMap", () => {
  it("finds a value by all three parts, and nothing when one part differs", () => {
    const map = new RefMap<string>();
    map.set(ref("orders", "1", "abc"), "v1");
    map.set(ref("orders", "2", "abc"), "v2");
    expect(map.get(ref("orders", "1", "abc"))).toBe("v1");
    expect(map.get(ref("orders", "2", "abc"))).toBe("v2");
    expect(map.get(ref("orders", "1", "abd"))).toBeUndefined();
    expect(map.get(ref("order", "1", "abc"))).toBeUndefined();
    expect(map.get(ref("orders", "3", "abc"))).toBeUndefined();
  });

  it("keeps parts apart that a joined key would confuse", () => {
    const map = new RefMap<string>();
    map.set(ref("a@1", "2", "f"), "first");
    map.set(ref("a", "1@2", "f"), "second");
    expect(map.get(ref("a@1", "2", "f"))).toBe("first");
    expect(map.get(ref("a", "1@2", "f"))).toBe("second");
  });

  it("counts distinct refs and forgets them on clear", () => {
    const map = new RefMap<number>();
    map.set(ref("w", "1", "x"), 1);
    map.set(ref("w", "1", "x"), 2);
    map.set(ref("w", "2", "x"), 3);
    expect(map.size).toBe(2);
    expect(map.get(ref("w", "1", "x"))).toBe(2);
    map.clear();
    expect(map.size).toBe(0);
    expect(map.get(ref("w", "2", "x"))).toBeUndefined();
  });
});
