import { describe, expect, it } from "vitest";
import { z } from "zod";
import { afterStarts, nextStartAt, startRoom } from "../../src/adapter.js";
import { defineWorkflow, WorkflowDefinitionError } from "../../src/index.js";

const Input = z.object({ tenant: z.string() });
const base = (id: string) =>
  defineWorkflow({ id, name: id, input: Input, output: z.any() }).sleep("nap", 1);

function definitionError(build: () => unknown): WorkflowDefinitionError {
  try {
    build();
  } catch (error) {
    if (error instanceof WorkflowDefinitionError) return error;
    throw error;
  }
  throw new Error("expected a WorkflowDefinitionError");
}

describe("workflow start limits", () => {
  it("rejects malformed limits, naming the field", () => {
    const cases: [Parameters<ReturnType<typeof base>["limits"]>[0], string][] = [
      [{ rateLimit: { limit: 0, periodMs: 1000 } }, "rateLimit"],
      [{ rateLimit: { limit: 1, periodMs: 1.5 } }, "rateLimit"],
      [{ throttle: { limit: 1, periodMs: 1000, burst: 0 } }, "throttle.burst"],
      [
        { rateLimit: { limit: 1, periodMs: 1000 }, throttle: { limit: 1, periodMs: 1000 } },
        "throttle",
      ],
      [{ priority: 2_000_000 }, "priority"],
      [{ singleton: { mode: "drop" as never } }, "singleton.mode"],
      [{ debounce: { periodMs: 0 } }, "debounce.periodMs"],
      [{ rateLimit: { limit: 1, periodMs: 1000, key: "x" as never } }, "rateLimit.key"],
    ];
    for (const [limits, field] of cases) {
      expect(definitionError(() => base("w").limits(limits).build())).toMatchObject({
        code: "INVALID_FLOW_LIMIT",
        field,
      });
    }
  });

  it("a singleton is a concurrency limit of 1: not with concurrency", () => {
    expect(
      definitionError(() =>
        base("both")
          .concurrency({ limit: 2 })
          .limits({ singleton: { mode: "queue" } })
          .build(),
      ),
    ).toMatchObject({ code: "INVALID_FLOW_LIMIT", field: "singleton" });
  });

  it("a rate limit and concurrency share one key function", () => {
    const key = (i: { tenant: string }) => i.tenant;
    const shared = base("ok")
      .concurrency({ limit: 2, key })
      .limits({ rateLimit: { limit: 5, periodMs: 1000, key } })
      .build();
    expect(shared.flowLimits?.rateLimit?.limit).toBe(5);
    expect(
      definitionError(() =>
        base("two-keys")
          .concurrency({ limit: 2, key })
          .limits({
            rateLimit: { limit: 5, periodMs: 1000, key: (i: { tenant: string }) => i.tenant },
          })
          .build(),
      ),
    ).toMatchObject({ code: "INVALID_FLOW_LIMIT", field: "rateLimit.key" });
  });

  it("defineWorkflow takes rateLimit, throttle and priority", () => {
    const w = defineWorkflow({
      id: "obj",
      name: "obj",
      input: Input,
      output: z.any(),
      throttle: { limit: 10, periodMs: 1000, burst: 2 },
      priority: 3,
    })
      .sleep("nap", 1)
      .build();
    expect(w.flowLimits).toMatchObject({ throttle: { limit: 10, burst: 2 }, priority: 3 });
  });
});

describe("start-rate arithmetic", () => {
  const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
  it("a rate limit counts starts per aligned period", () => {
    const rate = { limit: 3, periodMs: 1000, spread: false };
    expect(startRoom(rate, null, t(1500))).toBe(3);
    const state = afterStarts(rate, null, t(1500), 2);
    expect(state).toEqual({ at: t(1000), count: 2, rate });
    expect(startRoom(rate, state, t(1999))).toBe(1);
    expect(startRoom(rate, afterStarts(rate, state, t(1999), 1), t(1999))).toBe(0);
    expect(startRoom(rate, state, t(2000))).toBe(3);
    expect(nextStartAt(rate, state, t(1999))).toEqual(t(2000));
  });

  it("a throttle allows one start per interval, `burst` at once", () => {
    const rate = { limit: 4, periodMs: 1000, spread: true, burst: 2 };
    expect(startRoom(rate, null, t(0))).toBe(2);
    const state = afterStarts(rate, null, t(0), 2);
    expect(state.at).toEqual(t(500));
    expect(startRoom(rate, state, t(0))).toBe(0);
    expect(startRoom(rate, state, t(250))).toBe(1);
    expect(nextStartAt(rate, state, t(0))).toEqual(t(250));
    expect(startRoom(rate, state, t(10_000))).toBe(2);
  });
});
