/**
 * The `workflow()` builder compiles to the same stage graph as `WorkflowBuilder`: groups,
 * flow, step types and routes, and the workflow settings it carries.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type AnyStage,
  type AnyWorkflow,
  defineStage,
  defineWorkflow,
  END,
  workflow,
} from "../../src/index.js";
import { any, noop } from "./step-builder-support.js";

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
