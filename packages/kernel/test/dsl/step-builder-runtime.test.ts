/**
 * The semantics of the `workflow()` builder's steps on a test kernel: the handler's context,
 * schemas, parallel branches, pass steps, sleeps and the workflow timeout.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeValue, defineStage, defineWorkflow, workflow } from "../../src/index.js";
import { createTestKernel, type TestKernel } from "../../src/testing/index.js";
import { any, noop } from "./step-builder-support.js";

async function run(t: TestKernel, workflowId: string, input: unknown) {
  const { workflowRunId } = await t.kernel.dispatch({ type: "run.create", workflowId, input });
  return t.driver.runToCompletion(workflowRunId);
}

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
    const logs = await t.queries.listLogs(result.id);
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

  it("parallel wait-all: every branch runs to its end, then the parallel fails naming each failure", async () => {
    const ran: string[] = [];
    const branches = (mode: "wait-all" | "fail-fast") =>
      workflow(`settle-${mode}`)
        .parallel("p", {
          onError: mode,
          branches: [
            workflow
              .branch("bad")
              .task("bad1", {
                retry: { maxAttempts: 2, intervalMs: 10 },
                handler: async () => {
                  ran.push(`${mode}:bad`);
                  throw Object.assign(new Error("card declined"), { code: "DECLINED" });
                },
              })
              .build(),
            workflow
              .branch("slow")
              .task("slow1", {
                retry: { maxAttempts: 3, intervalMs: 1_000 },
                handler: async (_input, ctx) => {
                  ran.push(`${mode}:slow#${ctx.attempt}`);
                  if (ctx.attempt < 3) throw new Error("not yet");
                  return { done: true };
                },
              })
              .build(),
            workflow
              .branch("ok")
              .task("ok1", { handler: async () => ({ fine: true }) })
              .build(),
          ],
        })
        .task("after", { handler: async () => "never" })
        .build();
    const waitAll = branches("wait-all");
    const failFast = branches("fail-fast");
    const t = createTestKernel({ workflows: [waitAll, failFast] });
    const settled = await run(t, waitAll.id, {});
    expect(settled.status).toBe("FAILED");
    expect(settled.error).toMatchObject({ code: "PARALLEL_BRANCHES_FAILED", stageId: "p" });
    expect(settled.error?.message).toContain("bad: [DECLINED] card declined");
    expect(settled.error?.message).toContain("1 of 3 branch(es) failed");
    // The slow branch ran all its attempts and completed; the failed one used both of its own.
    expect(ran.filter((r) => r.startsWith("wait-all:"))).toEqual(
      expect.arrayContaining(["wait-all:bad", "wait-all:slow#3"]),
    );
    expect(ran.filter((r) => r === "wait-all:bad")).toHaveLength(2);
    const stages = await t.persistence.listStages(settled.id);
    expect(stages.find((s) => s.stageId === "slow1")?.status).toBe("COMPLETED");
    expect(stages.find((s) => s.stageId === "after")).toBeUndefined();

    // fail-fast: the first final failure fails the run; the slow branch never finishes.
    const fast = await run(t, failFast.id, {});
    expect(fast.error?.code).toBe("DECLINED");
    expect(ran).not.toContain("fail-fast:slow#3");
  });

  it("parallel wait-all with no failure hands on every branch's output, like fail-fast", async () => {
    const wf = workflow("settle-ok")
      .parallel("p", {
        onError: "wait-all",
        branches: [
          workflow
            .branch("a")
            .task("a1", { handler: async () => 1 })
            .build(),
          workflow
            .branch("b")
            .task("b1", { handler: async () => 2 })
            .build(),
        ],
        end: true,
      })
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const result = await run(t, wf.id, {});
    expect(result.status).toBe("COMPLETED");
    expect(decodeValue(result.output)).toEqual({ a: 1, b: 2 });
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
    const records = await t.persistence.listStages(direct.id);
    const ids = records.map((s) => `${s.stageId}:${s.status}`).sort();
    // "side" is the branch the choice did not take: recorded SKIPPED, never run.
    expect(ids).toEqual([
      "a:COMPLETED",
      "o:COMPLETED",
      "p:COMPLETED",
      "route:COMPLETED",
      "side:SKIPPED",
    ]);
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
