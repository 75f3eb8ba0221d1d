import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  compareVersions,
  createRegistry,
  defineStage,
  defineWorkflow,
  RatchetError,
  routeKey,
  workflow,
} from "../../src/index.js";
import { orderV1, orderV1Edited, orderV2 } from "./fixtures.js";

const N = z.object({ n: z.number() });
const step = (id: string, output: z.ZodType = N, description?: string) =>
  defineStage({
    id,
    name: id,
    ...(description ? { description } : {}),
    schemas: { input: N, output },
    execute: (ctx) => ctx.input,
  });
const chain = (...stages: ReturnType<typeof step>[]) => {
  let builder = defineWorkflow({ id: "wf", name: "Wf", input: N, output: z.any() }).defaultRetry({
    maxAttempts: 3,
  });
  for (const s of stages) builder = builder.pipe(s as never) as never;
  return builder.build();
};

describe("workflow fingerprints", () => {
  it("are the same for the same graph built twice, and 16 hex digits", () => {
    expect(orderV1().fingerprint).toBe(orderV1().fingerprint);
    expect(orderV1().fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(orderV1().version).toBe("1");
  });

  it("change when a stage is renamed, inserted or reordered, or a schema's shape changes", () => {
    const base = chain(step("a"), step("b")).fingerprint;
    expect(chain(step("a"), step("c")).fingerprint).not.toBe(base);
    expect(chain(step("a"), step("x"), step("b")).fingerprint).not.toBe(base);
    expect(chain(step("b"), step("a")).fingerprint).not.toBe(base);
    expect(
      chain(step("a"), step("b", z.object({ n: z.number(), m: z.string() }))).fingerprint,
    ).not.toBe(base);
    expect(orderV1Edited().fingerprint).not.toBe(orderV1().fingerprint);
    const parallel = defineWorkflow({ id: "wf", name: "Wf", input: N, output: z.any() })
      .parallel([step("a"), step("b")])
      .build();
    expect(parallel.fingerprint).not.toBe(base);
  });

  it("do not change with names, descriptions, retry policies or a property called title", () => {
    const base = chain(step("a"), step("b")).fingerprint;
    expect(chain(step("a", N, "docs"), step("b")).fingerprint).toBe(base);
    expect(chain(step("a", N.describe("the n")), step("b")).fingerprint).toBe(base);
    const titled = (key: string) =>
      chain(step("a", z.object({ n: z.number(), [key]: z.string() })), step("b")).fingerprint;
    // A field named like a documentation keyword is part of the shape.
    expect(titled("title")).not.toBe(titled("other"));
  });

  it("tell the step-function builder's graphs apart too", () => {
    const one = workflow("steps")
      .task("a", { handler: () => 1 })
      .build();
    const two = workflow("steps")
      .task("b", { handler: () => 1 })
      .build();
    expect(one.fingerprint).not.toBe(two.fingerprint);
    expect(
      workflow("steps")
        .version(3)
        .task("a", { handler: () => 1 })
        .build().version,
    ).toBe("3");
  });
});

describe("workflow versions", () => {
  it("order naturally", () => {
    expect(compareVersions("2", "10")).toBeLessThan(0);
    expect(compareVersions("1.9", "1.10")).toBeLessThan(0);
    expect(compareVersions("2024-06-01", "2024-06-01")).toBe(0);
    expect(compareVersions("1.0.0-beta", "1.0.0")).toBeGreaterThan(0);
  });

  it("an invalid version or migration is refused with a typed error", () => {
    const build = (version: string) =>
      defineWorkflow({ id: "wf", name: "Wf", input: N, output: z.any(), version })
        .pipe(step("a"))
        .build();
    expect(() => build("has space")).toThrow(
      expect.objectContaining({ code: "INVALID_WORKFLOW_VERSION", field: "version" }),
    );
    expect(() =>
      defineWorkflow({ id: "wf", name: "Wf", input: N, output: z.any(), version: 2 })
        .pipe(step("a"))
        .migrateFrom(3)
        .build(),
    ).toThrow(expect.objectContaining({ code: "INVALID_MIGRATION" }));
    expect(() =>
      defineWorkflow({ id: "wf", name: "Wf", input: N, output: z.any(), version: 2 })
        .pipe(step("a"))
        .migrateFrom(1)
        .migrateFrom(1)
        .build(),
    ).toThrow(expect.objectContaining({ code: "INVALID_MIGRATION" }));
  });
});

describe("createRegistry with versions", () => {
  it("registers versions side by side; new runs take the newest; each run finds its own", () => {
    const v1 = orderV1();
    const v2 = orderV2();
    const registry = createRegistry([v2, v1]);
    expect(registry.getWorkflow("order")).toBe(v2);
    expect(
      registry.getDefinition({
        workflowId: "order",
        workflowVersion: "1",
        fingerprint: v1.fingerprint,
      }),
    ).toBe(v1);
    // Same version, another graph (an edit without a bump): not this registry's.
    expect(
      registry.getDefinition({
        workflowId: "order",
        workflowVersion: "1",
        fingerprint: orderV1Edited().fingerprint,
      }),
    ).toBeUndefined();
    // A run stored before versions continues on the newest.
    expect(
      registry.getDefinition({ workflowId: "order", workflowVersion: "", fingerprint: "" }),
    ).toBe(v2);
    expect([...registry.routes()].sort()).toEqual(
      [
        routeKey({ workflowId: "order", workflowVersion: "1", fingerprint: v1.fingerprint }),
        routeKey({ workflowId: "order", workflowVersion: "2", fingerprint: v2.fingerprint }),
        "order",
      ].sort(),
    );
    expect(registry.list()).toHaveLength(2);
  });

  it("refuses two definitions of one workflow at one version", () => {
    let error: unknown;
    try {
      createRegistry([orderV1(), orderV1Edited()]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RatchetError);
    expect(error).toMatchObject({ code: "DUPLICATE_WORKFLOW_ID", workflowId: "order" });
  });
});
