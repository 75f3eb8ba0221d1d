/**
 * The `workflow()` builder at definition: what it rejects (code and field), and the types it
 * infers for handlers.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { type StageLogger, WorkflowDefinitionError, workflow } from "../../src/index.js";
import { noop } from "./step-builder-support.js";

function definitionError(build: () => unknown): WorkflowDefinitionError {
  try {
    build();
  } catch (error) {
    if (error instanceof WorkflowDefinitionError) return error;
    throw error;
  }
  throw new Error("did not throw");
}

describe("workflow() definition errors", () => {
  it("rejects invalid step ids with INVALID_STAGE_ID (field id)", () => {
    expect(definitionError(() => workflow("w").task("bad id", noop))).toMatchObject({
      code: "INVALID_STAGE_ID",
      field: "id",
    });
    expect(definitionError(() => workflow("w").pass(""))).toMatchObject({
      code: "INVALID_STAGE_ID",
      field: "id",
    });
    expect(definitionError(() => workflow.branch("no/slash"))).toMatchObject({
      code: "INVALID_STAGE_ID",
      field: "id",
    });
    expect(definitionError(() => workflow("bad name!").task("a", noop).build())).toMatchObject({
      code: "INVALID_WORKFLOW_ID",
      field: "id",
    });
  });

  it("rejects malformed tasks with INVALID_STEP naming the field", () => {
    const cases: Array<[string, () => unknown]> = [
      ["next", () => workflow("w").task("a", { ...noop, next: "b", end: true })],
      ["next", () => workflow("w").pass("a", { next: "b", end: true })],
      ["handler", () => workflow("w").task("a", { handler: "nope" as never })],
      ["handler", () => workflow("w").task("a", undefined as never)],
      ["inputSchema", () => workflow("w").task("a", { ...noop, inputSchema: {} as never })],
      ["outputSchema", () => workflow("w").task("a", { ...noop, outputSchema: 42 as never })],
      ["timeout", () => workflow("w").task("a", { ...noop, timeout: -1 })],
      ["next", () => workflow("w").task("a", { ...noop, next: 7 as never })],
    ];
    for (const [field, build] of cases) {
      expect(definitionError(build)).toMatchObject({ code: "INVALID_STEP", field, stageId: "a" });
    }
  });

  it("checks retry policies, choices, loops, polls and sleeps at definition", () => {
    expect(
      definitionError(() => workflow("w").task("a", { ...noop, retry: { maxAttempts: 0 } })),
    ).toMatchObject({ code: "INVALID_RETRY_POLICY", field: "retry.maxAttempts" });
    expect(definitionError(() => workflow("w").choice("c", { choices: [] }))).toMatchObject({
      code: "INVALID_STEP",
      field: "choices",
    });
    expect(
      definitionError(() => workflow("w").loop("l", { condition: () => true, target: "l" })),
    ).toMatchObject({ code: "INVALID_STEP", field: "target" });
    expect(
      definitionError(() =>
        workflow("w").loop("l", { condition: () => true, target: "a", interval: -5 }),
      ),
    ).toMatchObject({ code: "INVALID_STEP", field: "interval" });
    expect(
      definitionError(() =>
        workflow("w").poll("p", { interval: 0, check: () => ({ done: false }) }),
      ),
    ).toMatchObject({ code: "INVALID_STEP", field: "interval" });
    expect(
      definitionError(() =>
        workflow("w").poll("p", { interval: 10, timeout: 0, check: () => ({ done: false }) }),
      ),
    ).toMatchObject({ code: "INVALID_STEP", field: "timeout" });
    expect(definitionError(() => workflow("w").sleep("s", -1))).toMatchObject({
      code: "INVALID_STEP",
      field: "ms",
    });
  });

  it("allows only tasks and pass steps without next/end in a branch (INVALID_BRANCH_STEP)", () => {
    const choice = { choices: [{ condition: () => true, next: "x" }] };
    expect(
      definitionError(() => workflow.branch("b").task("a", noop).choice("c", choice).build()),
    ).toMatchObject({ code: "INVALID_BRANCH_STEP", stageId: "c", field: "choice" });
    expect(definitionError(() => workflow.branch("b").sleep("s", 10).build())).toMatchObject({
      code: "INVALID_BRANCH_STEP",
      field: "sleep",
    });
    expect(
      definitionError(() =>
        workflow
          .branch("b")
          .task("a", { ...noop, next: "z" })
          .build(),
      ),
    ).toMatchObject({ code: "INVALID_BRANCH_STEP", stageId: "a", field: "next" });
    expect(
      definitionError(() => workflow.branch("b").task("a", noop).end("done").build()),
    ).toMatchObject({ code: "INVALID_BRANCH_STEP", stageId: "done", field: "end" });
    expect(definitionError(() => workflow.branch("b").build())).toMatchObject({
      code: "EMPTY_BRANCH",
    });
  });

  it("checks parallel steps: branches, onError, next/end", () => {
    const a = workflow.branch("a").task("a1", noop).build();
    expect(definitionError(() => workflow("w").parallel("p", { branches: [] }))).toMatchObject({
      code: "INVALID_STEP",
      field: "branches",
    });
    expect(
      definitionError(() => workflow("w").parallel("p", { branches: [{} as never] })),
    ).toMatchObject({ code: "INVALID_STEP", field: "branches[0]" });
    const a2 = workflow.branch("a").task("a2", noop).build();
    expect(definitionError(() => workflow("w").parallel("p", { branches: [a, a2] }))).toMatchObject(
      { code: "INVALID_STEP", field: "branches[1]" },
    );
    // wait-all is accepted (the donkeylabs gap, closed): see step-builder-runtime.test.ts.
    expect(() =>
      workflow("w")
        .parallel("p", { branches: [a], onError: "wait-all" })
        .build(),
    ).not.toThrow();
    expect(
      definitionError(() =>
        workflow("w").parallel("p", { branches: [a], onError: "later" as never }),
      ),
    ).toMatchObject({ code: "INVALID_STEP", field: "onError" });
    expect(
      definitionError(() => workflow("w").parallel("p", { branches: [a], next: "x", end: true })),
    ).toMatchObject({ code: "INVALID_STEP", field: "next" });
    // fail-fast is the kernel's behaviour and accepted.
    expect(() =>
      workflow("w")
        .parallel("p", { branches: [a], onError: "fail-fast" })
        .build(),
    ).not.toThrow();
  });

  it("rejects ids used twice, also inside branches, and graph errors at build()", () => {
    expect(
      definitionError(() => workflow("w").task("a", noop).task("a", noop).build()),
    ).toMatchObject({ code: "DUPLICATE_STAGE_ID", stageId: "a" });
    const branch = workflow.branch("b").task("a", noop).task("b2", noop).build();
    expect(
      definitionError(() =>
        workflow("w")
          .task("a", noop)
          .parallel("p", { branches: [branch] })
          .build(),
      ),
    ).toMatchObject({ code: "DUPLICATE_STAGE_ID", stageId: "a" });
    expect(
      definitionError(() =>
        workflow("w")
          .task("a", { ...noop, next: "nowhere" })
          .build(),
      ),
    ).toMatchObject({ code: "UNKNOWN_NEXT_STAGE", stageId: "a", field: "next" });
    expect(
      definitionError(() =>
        workflow("w")
          .task("a", { ...noop, end: true })
          .task("b", noop)
          .build(),
      ),
    ).toMatchObject({ code: "UNREACHABLE_STAGE", stageId: "b" });
    expect(definitionError(() => workflow("w").build())).toMatchObject({ code: "EMPTY_WORKFLOW" });
    expect(definitionError(() => workflow("w").timeout(0).task("a", noop).build())).toMatchObject({
      code: "INVALID_TIMEOUT",
    });
    expect(
      definitionError(() =>
        workflow("w")
          .task("a", { outputSchema: z.object({ n: z.number() }), handler: async () => ({ n: 1 }) })
          .task("b", { inputSchema: z.object({ n: z.string() }), handler: async () => ({}) })
          .build(),
      ),
    ).toMatchObject({ code: "INCOMPATIBLE_SCHEMAS", stageId: "b" });
  });
});

describe("workflow() types", () => {
  it("infers the handler input from a zod schema or a mapper; the output from outputSchema", () => {
    workflow("types")
      .task("zod", {
        inputSchema: z.object({ id: z.string(), n: z.number().default(1) }),
        outputSchema: z.object({ ok: z.boolean() }),
        handler: async (input, ctx) => {
          expectTypeOf(input).toEqualTypeOf<{ id: string; n: number }>();
          expectTypeOf(ctx.logger).toEqualTypeOf<StageLogger>();
          return { ok: true };
        },
      })
      .task("mapped", {
        inputSchema: (prev, workflowInput) => ({
          ok: prev.ok as boolean,
          id: String(workflowInput.id),
        }),
        handler: (input) => {
          expectTypeOf(input).toEqualTypeOf<{ ok: boolean; id: string }>();
          return input.id;
        },
      })
      .task("loose", {
        handler: (input, ctx) => {
          // No inputSchema: the input, prev and steps are loosely typed (as in the seed).
          expectTypeOf(input).toBeAny();
          expectTypeOf(ctx.prev).toBeAny();
          expectTypeOf(ctx.steps.zod).toBeAny();
          return null;
        },
      })
      .task("checked", {
        outputSchema: z.object({ n: z.number() }),
        // @ts-expect-error the handler must return what outputSchema accepts
        handler: async () => ({ n: "not a number" }),
      });
  });
});
