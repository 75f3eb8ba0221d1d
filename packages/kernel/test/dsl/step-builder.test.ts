/**
 * The `workflow()` builder: what it rejects (code and field), the stage graph it compiles to
 * (the same as `WorkflowBuilder`'s), and the semantics of its steps on a test kernel.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  type AnyStage,
  type AnyWorkflow,
  decodeValue,
  defineStage,
  defineWorkflow,
  END,
  type StageLogger,
  WorkflowDefinitionError,
  workflow,
} from "../../src/index.js";
import { createTestKernel, type TestKernel } from "../../src/testing/index.js";

const any = z.any();

function definitionError(build: () => unknown): WorkflowDefinitionError {
  try {
    build();
  } catch (error) {
    if (error instanceof WorkflowDefinitionError) return error;
    throw error;
  }
  throw new Error("did not throw");
}

async function run(t: TestKernel, workflowId: string, input: unknown) {
  const { workflowRunId } = await t.kernel.dispatch({ type: "run.create", workflowId, input });
  return t.driver.runToCompletion(workflowRunId);
}

/** The shape of a compiled workflow: stage ids per group, where each group goes, step types. */
function shape(wf: AnyWorkflow) {
  return {
    groups: wf.groups.map((g) => g.map((s) => s.id)),
    flow: wf.flow,
    branching: wf.branching,
    stepTypes: wf.groups.map((g) => g.map((s) => s.stepType ?? "task")),
    routes: wf.groups.map((g) => (g[0] as AnyStage).flow?.routes ?? null),
  };
}

const noop = { handler: async () => ({}) };

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
    expect(
      definitionError(() => workflow("w").parallel("p", { branches: [a], onError: "wait-all" })),
    ).toMatchObject({ code: "UNSUPPORTED_OPTION", field: "onError", stageId: "p" });
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

describe("workflow() compiles to the WorkflowBuilder stage graph", () => {
  const stage = (id: string) =>
    defineStage({ id, name: id, schemas: { input: any, output: any }, execute: () => ({}) });

  it("tasks, next, end and .end() give the same groups and flow as pipe/pass", () => {
    const steps = workflow("same")
      .task("a", noop)
      .task("b", { ...noop, next: "d" })
      .task("c", { ...noop, end: true })
      .task("d", noop)
      .choice("pick", {
        choices: [{ condition: (ctx) => ctx.prev.go, next: "c" }],
        default: "done",
      })
      .end("done")
      .build();
    const piped = defineWorkflow({ id: "same", name: "same", input: any, output: any })
      .pipe(stage("a"))
      .pipe(stage("b"), { next: "d" })
      .pipe(stage("c"), { end: true })
      .pipe(stage("d"))
      .choice("pick", { choices: [{ condition: () => true, next: "c" }], default: "done" })
      .pass("done", { end: true })
      .build();
    expect(shape(steps)).toEqual(shape(piped));
    expect(shape(steps).flow).toEqual([1, 3, END, 4, 5, END]);
  });

  it("loops, polls, sleeps and pass steps map to the same steps", () => {
    const steps = workflow("same2")
      .task("inc", noop)
      .loop("again", { condition: () => false, target: "inc", interval: 10, maxIterations: 3 })
      .sleep("nap", 1_000)
      .poll("wait", { interval: 5, check: () => ({ done: true, result: 1 }) })
      .pass("out", { result: { ok: true } })
      .build();
    const piped = defineWorkflow({ id: "same2", name: "same2", input: any, output: any })
      .pipe(stage("inc"))
      .loop("again", { condition: () => false, target: "inc", intervalMs: 10, maxIterations: 3 })
      .sleep("nap", 1_000)
      .poll("wait", { intervalMs: 5, check: () => ({ done: true, result: 1 }) })
      .pass("out", { result: { ok: true } })
      .build();
    expect(shape(steps)).toEqual(shape(piped));
  });

  it("the seed's order workflow: a parallel group, then a pass stage with the parallel's id", () => {
    const order = workflow("order")
      .task("validate", { inputSchema: z.object({ orderId: z.string() }), ...noop })
      .choice("check-inventory", {
        choices: [{ condition: (ctx) => ctx.steps.validate.inStock, next: "fulfill" }],
        default: "backorder",
      })
      .parallel("fulfill", {
        branches: [
          workflow.branch("shipping").task("ship", noop).build(),
          workflow.branch("notification").task("notify", noop).task("log", noop).build(),
        ],
        next: "complete",
      })
      .task("backorder", { ...noop, next: "complete" })
      .pass("complete", { end: true })
      .build();
    expect(shape(order)).toEqual({
      groups: [
        ["validate"],
        ["check-inventory"],
        ["ship", "notification"],
        ["fulfill"],
        ["backorder"],
        ["complete"],
      ],
      flow: [1, 2, 3, 5, 5, END],
      branching: true,
      stepTypes: [["task"], ["choice"], ["task", "task"], ["parallel"], ["task"], ["pass"]],
      // The choice's "fulfill" goes to the parallel's group (its first stage).
      routes: [null, ["ship", "backorder"], null, [], null, []],
    });
    expect(order.id).toBe("order");
    expect(order.name).toBe("order");
    // The first task's zod schema is the workflow's input schema.
    expect(order.inputSchema.safeParse({ orderId: 1 }).success).toBe(false);
    expect(order.inputSchema.safeParse({ orderId: "1" }).success).toBe(true);
  });

  it("carries timeouts, retries, concurrency and the description; isolated() is ignored", () => {
    const key = (input: { tenant: string }) => input.tenant;
    const wf = workflow("settings")
      .description("Settings")
      .isolated(false)
      .isolated()
      .defaultRetry({ maxAttempts: 4, intervalMs: 10 })
      .timeout(60_000)
      .concurrency({ limit: 2, key })
      .task("a", { ...noop, timeout: 5_000, retry: { maxAttempts: 2, jitter: 0.5 } })
      .parallel("p", {
        branches: [
          workflow
            .branch("multi")
            .task("m1", { ...noop, timeout: 100, retry: { maxAttempts: 7 } })
            .task("m2", { ...noop, timeout: 200 })
            .build(),
        ],
      })
      .build();
    expect(wf.description).toBe("Settings");
    expect(wf.timeoutMs).toBe(60_000);
    expect(wf.concurrency).toEqual({ limit: 2, key });
    expect(wf.getStage("a")?.stage.timeoutMs).toBe(5_000);
    expect(wf.retryOf("a")).toEqual({ maxAttempts: 2, intervalMs: 10, jitter: 0.5 });
    // A multi-step branch is one stage: the first retry policy, the sum of the timeouts.
    expect(wf.getStage("multi")?.stage.timeoutMs).toBe(300);
    expect(wf.retryOf("multi")).toEqual({ maxAttempts: 7, intervalMs: 10 });
    expect(wf.inputSchema.safeParse(undefined).success).toBe(true);
  });
});

describe("workflow() at run time", () => {
  it("a handler's ctx: input, prev, steps, plugins, logger, instance, attempt", async () => {
    const seen: Record<string, unknown> = {};
    const plugins = { clock: { now: () => "tick" } };
    const wf = workflow("ctx")
      .task("first", { handler: async (input) => ({ doubled: input.n * 2 }) })
      .task("second", {
        inputSchema: (prev, workflowInput) => ({ sum: prev.doubled + workflowInput.n }),
        handler: async (input, ctx) => {
          Object.assign(seen, {
            input: ctx.input,
            prev: ctx.prev,
            steps: ctx.steps,
            first: ctx.getStepResult("first"),
            missing: ctx.getStepResult("nope"),
            tick: ctx.plugins.clock.now(),
            instance: ctx.instance,
            runId: ctx.workflowRunId,
            attempt: ctx.attempt,
            stageId: ctx.stageId,
            signal: ctx.signal instanceof AbortSignal,
            sameLogger: ctx.logger === ctx.core.logger && ctx.log === ctx.logger,
          });
          ctx.logger.warn("careful", { sum: input.sum });
          ctx.log("debug", "details");
          ctx.core.logger.error("oops");
          return { sum: input.sum };
        },
      })
      .build();
    const t = createTestKernel({ workflows: [wf], plugins });
    const result = await run(t, "ctx", { n: 5 });
    expect(decodeValue(result.output)).toEqual({ sum: 15 });
    expect(seen).toEqual({
      input: { n: 5 },
      prev: { doubled: 10 },
      steps: { first: { doubled: 10 } },
      first: { doubled: 10 },
      missing: undefined,
      tick: "tick",
      instance: { id: result.id, workflowName: "ctx" },
      runId: result.id,
      attempt: 1,
      stageId: "second",
      signal: true,
      sameLogger: true,
    });
    const logs = await t.persistence.listLogs(result.id);
    expect(logs.map((l) => [l.level, l.message])).toEqual([
      ["warn", "careful"],
      ["debug", "details"],
      ["error", "oops"],
    ]);
  });

  it("ctx.plugins is on every StageContext (empty without plugins)", async () => {
    const seen: unknown[] = [];
    const probe = defineStage({
      id: "probe",
      name: "probe",
      schemas: { input: any, output: any },
      execute: (ctx) => {
        seen.push(ctx.plugins);
        return {};
      },
    });
    const wf = defineWorkflow({ id: "plain", name: "plain", input: any, output: any })
      .pipe(probe)
      .build();
    const withPlugins = createTestKernel({ workflows: [wf], plugins: { a: 1 } });
    await run(withPlugins, "plain", {});
    const without = createTestKernel({ workflows: [wf] });
    await run(without, "plain", {});
    expect(seen).toEqual([{ a: 1 }, {}]);
  });

  it("a zod inputSchema on a later step validates the previous output", async () => {
    const wf = workflow("later-schema")
      .task("a", { handler: async (input) => input })
      .task("b", {
        inputSchema: z.object({ n: z.number() }),
        handler: async (input) => ({ n: input.n + 1 }),
      })
      .build();
    const t = createTestKernel({ workflows: [wf] });
    expect(decodeValue((await run(t, "later-schema", { n: 1 })).output)).toEqual({ n: 2 });
    const bad = await run(t, "later-schema", { n: "x" });
    expect(bad.status).toBe("FAILED");
    expect(bad.error).toMatchObject({ code: "STAGE_INPUT_INVALID", stageId: "b" });
  });

  it("an output the outputSchema rejects fails the step", async () => {
    const wf = workflow("bad-output")
      .task("a", {
        outputSchema: z.object({ ok: z.boolean() }),
        handler: async () => ({ ok: "no" as never }),
      })
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const result = await run(t, "bad-output", {});
    expect(result.error).toMatchObject({ code: "STAGE_OUTPUT_INVALID", stageId: "a" });
  });

  it("multi-step branches run their steps in order; the output is keyed by branch name", async () => {
    const order: string[] = [];
    const wf = workflow("branches")
      .task("start", { handler: async (input) => ({ base: input.base }) })
      .parallel("both", {
        branches: [
          workflow
            .branch("left")
            .task("l1", {
              inputSchema: (prev) => ({ x: prev.base + 1 }),
              handler: async (input) => {
                order.push("l1");
                return { x: input.x };
              },
            })
            .pass("l2", { transform: (ctx) => ({ x: ctx.prev.x * 10, sawL1: ctx.steps.l1 }) })
            .task("l3", {
              inputSchema: z.object({ x: z.number() }),
              handler: async (input, ctx) => {
                order.push("l3");
                return {
                  x: input.x,
                  l1: ctx.steps.l1,
                  l2: ctx.getStepResult("l2").x,
                  start: ctx.steps.start,
                };
              },
            })
            .build(),
          workflow
            .branch("right")
            .task("r1", { handler: async (input) => ({ r: input.base }) })
            .build(),
          workflow
            .branch("static")
            .pass("s1", { result: { fixed: true } })
            .build(),
        ],
      })
      .task("after", {
        handler: async (input, ctx) => ({ input, r1: ctx.steps.r1, both: ctx.steps.both }),
      })
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const result = await run(t, "branches", { base: 2 });
    expect(result.status).toBe("COMPLETED");
    const both = {
      left: { x: 30, l1: { x: 3 }, l2: 30, start: { base: 2 } },
      right: { r: 2 },
      static: { fixed: true },
    };
    expect(decodeValue(result.output)).toEqual({ input: both, r1: { r: 2 }, both });
    expect(order).toEqual(["l1", "l3"]);
  });

  it("a step inside a branch that gets invalid input fails the run", async () => {
    const wf = workflow("branch-invalid")
      .parallel("p", {
        branches: [
          workflow
            .branch("b")
            .task("b1", { handler: async () => ({ n: "text" }) })
            .task("b2", { inputSchema: z.object({ n: z.number() }), ...noop })
            .build(),
        ],
      })
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const result = await run(t, "branch-invalid", {});
    expect(result.status).toBe("FAILED");
    expect(result.error).toMatchObject({ code: "STAGE_INPUT_INVALID", stageId: "b" });
    expect(result.error?.message).toContain('task "b2"');
  });

  it("one branch: the output is still keyed by its name; choices and next jump to a parallel", async () => {
    const wf = workflow("one-branch")
      .task("a", { handler: async (input) => ({ v: input.v }) })
      .choice("route", {
        choices: [{ condition: (ctx) => ctx.input.direct, next: "p" }],
        default: "side",
      })
      .task("side", { handler: async (input) => ({ v: input.v + 100 }), next: "p" })
      .parallel("p", {
        branches: [
          workflow
            .branch("only")
            .task("o", { handler: async (input) => input })
            .build(),
        ],
        end: true,
      })
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const direct = await run(t, "one-branch", { v: 1, direct: true });
    expect(decodeValue(direct.output)).toEqual({ only: { v: 1 } });
    const ids = (await t.persistence.listStages(direct.id)).map((s) => s.stageId).sort();
    expect(ids).toEqual(["a", "o", "p", "route"]);
    const viaSide = await run(t, "one-branch", { v: 1, direct: false });
    expect(decodeValue(viaSide.output)).toEqual({ only: { v: 101 } });
  });

  it("a failing branch fails the run (fail-fast)", async () => {
    const wf = workflow("fail-fast")
      .parallel("p", {
        branches: [
          workflow.branch("ok").task("fine", noop).build(),
          workflow
            .branch("bad")
            .task("boom", {
              handler: async () => {
                throw new Error("boom");
              },
              retry: { maxAttempts: 1 },
            })
            .build(),
        ],
        onError: "fail-fast",
      })
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const result = await run(t, "fail-fast", {});
    expect(result.status).toBe("FAILED");
    expect(result.error).toMatchObject({ stageId: "boom", message: "boom" });
  });

  it("pass steps: transform over the context, a static result, and an end marker", async () => {
    const wf = workflow("passes")
      .pass("static", { result: { status: "initialized" } })
      .pass("transform", {
        transform: (ctx) => ({ summary: { input: ctx.input, results: ctx.steps } }),
        next: "done",
      })
      .end("done")
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const result = await run(t, "passes", { id: 1 });
    expect(decodeValue(result.output)).toEqual({
      summary: { input: { id: 1 }, results: { static: { status: "initialized" } } },
    });
  });

  it("sleep waits on the fake clock, for ms or until a date from the context", async () => {
    const wf = workflow("sleeps")
      .sleep("nap", 60_000)
      .sleep("until", { until: (ctx) => new Date(Date.parse(ctx.input.at)) })
      .task("after", { handler: async (input) => input })
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const t0 = t.clock.now().getTime();
    const at = new Date(t0 + 120_000).toISOString();
    const result = await run(t, "sleeps", { at });
    expect(result.status).toBe("COMPLETED");
    expect(decodeValue(result.output)).toEqual({ at });
    expect(result.completedAt?.getTime()).toBe(t0 + 120_000);
  });

  it("a workflow timeout ends a never-done poll TIMED_OUT", async () => {
    const wf = workflow("timed")
      .timeout(60_000)
      .poll("wait", { interval: 10_000, check: async () => ({ done: false }) })
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const result = await run(t, "timed", {});
    expect(result.status).toBe("TIMED_OUT");
    expect(result.error).toMatchObject({ code: "WORKFLOW_TIMEOUT" });
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
