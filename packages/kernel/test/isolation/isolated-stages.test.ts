/**
 * Isolated stages in the kernel: the `isolation` option on stages and tasks, `.isolated()` on
 * the step builder, and `job.execute` handing an isolated body to the injected `StageRunner`
 * (here `inlineStageRunner`, which copies every message through JSON as a child process would).
 * The Node runner (real processes and threads) is tested in @ratchet/host-node.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  decodeValue,
  defineStage,
  defineWorkflow,
  NonRetryableError,
  runIsolatedStage,
  workflow,
} from "../../src/index.js";
import { createTestKernel, inlineStageRunner } from "../../src/testing/index.js";

const Empty = z.object({});

describe("the isolation option", () => {
  it("is kept on the stage: a mode, true, or an object with limits and a module", () => {
    const base = { name: "s", schemas: { input: Empty, output: z.any() }, execute: () => ({}) };
    expect(defineStage({ ...base, id: "a", isolation: "thread" }).isolation).toEqual({
      mode: "thread",
    });
    expect(defineStage({ ...base, id: "b", isolation: true }).isolation).toEqual({
      mode: "process",
    });
    expect(
      defineStage({
        ...base,
        id: "c",
        isolation: { memoryMb: 64, timeoutMs: 5000, module: new URL("file:///w.js") },
      }).isolation,
    ).toEqual({ mode: "process", memoryMb: 64, timeoutMs: 5000, module: "file:///w.js" });
    expect(defineStage({ ...base, id: "d" }).isolation).toBeUndefined();
  });

  it("refuses a bad mode, limit or unknown field with INVALID_ISOLATION naming it", () => {
    const base = { name: "s", schemas: { input: Empty, output: z.any() }, execute: () => ({}) };
    const cases: [unknown, string][] = [
      ["vm", "isolation"],
      [{ mode: "docker" }, "isolation.mode"],
      [{ memoryMb: 0 }, "isolation.memoryMb"],
      [{ timeoutMs: 1.5 }, "isolation.timeoutMs"],
      [{ module: 42 }, "isolation.module"],
      [{ memory: 64 }, "isolation.memory"],
    ];
    for (const [isolation, field] of cases) {
      expect(() =>
        defineStage({ ...base, id: "x", isolation: isolation as "process" }),
      ).toThrowError(expect.objectContaining({ code: "INVALID_ISOLATION", field }));
    }
  });
});

describe("the step builder", () => {
  const stageOf = (wf: ReturnType<ReturnType<typeof workflow>["build"]>, id: string) =>
    wf.getStage(id)?.stage;

  it(".isolated() makes every task isolated unless it sets its own isolation or opts out", () => {
    const wf = workflow("iso")
      .isolated({ memoryMb: 128 })
      .task("a", { handler: () => 1 })
      .task("b", { handler: () => 2, isolation: "thread" })
      .task("c", { handler: () => 3, isolation: false })
      .pass("p")
      .build();
    expect(stageOf(wf, "a")?.isolation).toEqual({ mode: "process", memoryMb: 128 });
    expect(stageOf(wf, "b")?.isolation).toEqual({ mode: "thread" });
    expect(stageOf(wf, "c")?.isolation).toBeUndefined();
    expect(stageOf(wf, "p")?.isolation).toBeUndefined();
  });

  it("without .isolated() (or with .isolated(false)) nothing is isolated", () => {
    for (const wf of [
      workflow("plain")
        .task("a", { handler: () => 1 })
        .build(),
      workflow("off")
        .isolated(false)
        .task("a", { handler: () => 1 })
        .build(),
    ])
      expect(stageOf(wf, "a")?.isolation).toBeUndefined();
  });

  it("isolates a multi-step parallel branch as one stage", () => {
    const branch = workflow
      .branch("left")
      .task("l1", { handler: () => 1 })
      .task("l2", { handler: () => 2 })
      .build();
    const single = workflow
      .branch("right")
      .task("r1", { handler: () => 3 })
      .build();
    const wf = workflow("par")
      .isolated("thread")
      .parallel("both", { branches: [branch, single] })
      .build();
    expect(stageOf(wf, "left")?.isolation).toEqual({ mode: "thread" });
    expect(stageOf(wf, "r1")?.isolation).toEqual({ mode: "thread" });
  });

  it("refuses a bad .isolated() argument and options it does not know", () => {
    expect(() => workflow("bad").isolated("vm" as "thread")).toThrowError(
      expect.objectContaining({ code: "INVALID_ISOLATION" }),
    );
    expect(() =>
      workflow("bad").task("t", { handler: () => 1, isolated: true } as never),
    ).toThrowError(expect.objectContaining({ code: "INVALID_STEP", field: "isolated" }));
    expect(() => workflow("bad").pass("p", { sandbox: true } as never)).toThrowError(
      expect.objectContaining({ code: "INVALID_STEP", field: "sandbox" }),
    );
    expect(() =>
      workflow("bad").poll("p", { interval: 10, check: () => ({ done: true }), every: 1 } as never),
    ).toThrowError(expect.objectContaining({ code: "INVALID_STEP", field: "every" }));
  });
});

const reporting = workflow("reporting")
  .isolated()
  .events({ "page.done": z.object({ page: z.number() }) })
  .task("work", {
    handler: async (input: { pages: number; when: Date }, ctx) => {
      ctx.log.info("starting", { pages: input.pages });
      ctx.onProgress({ progress: 40, message: "pages" });
      await ctx.setMetadata("seen", input.pages);
      ctx.emit("page.done", { page: 1 });
      await ctx.storage.putJson("notes.json", { when: input.when });
      const back = await ctx.storage.getJson<{ when: Date }>("notes.json");
      await ctx.storage.put("raw.bin", new Uint8Array([0, 1, 2, 250, 255]));
      const raw = await ctx.storage.get("raw.bin");
      return {
        when: back?.when,
        raw: [...(raw ?? [])],
        keys: await ctx.storage.list(""),
        tenant: ctx.metadata.tenant,
        meta: ctx.getMetadata("seen"),
        plugins: Object.keys(ctx.plugins),
      };
    },
  })
  .build();

describe("job.execute with a stage runner", () => {
  it("runs the body through the runner; logs, progress, metadata, emits and storage reach the run", async () => {
    const runner = inlineStageRunner({ workflows: [reporting] });
    const t = createTestKernel({ workflows: [reporting], stageRunner: runner, plugins: { x: 1 } });
    const when = new Date("2026-03-04T05:06:07.000Z");
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "reporting",
      input: { pages: 3, when },
      metadata: { tenant: "acme" },
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");
    expect(decodeValue(run.output)).toEqual({
      when,
      raw: [0, 1, 2, 250, 255],
      keys: ["notes.json", "raw.bin"],
      tenant: "acme",
      meta: 3,
      plugins: [],
    });
    expect(runner.requests).toHaveLength(1);
    expect(runner.requests[0]?.isolation).toEqual({ mode: "process" });
    expect(runner.requests[0]?.task).toMatchObject({
      workflowId: "reporting",
      stageId: "work",
      attempt: 1,
      fingerprint: reporting.fingerprint,
    });
    expect(await t.queries.listLogs(workflowRunId)).toMatchObject([
      { level: "info", message: "starting", stageId: "work", data: { pages: 3 } },
    ]);
    expect(await t.persistence.getStage(workflowRunId, "work")).toMatchObject({
      progress: { progress: 40, message: "pages" },
    });
    expect(run.metadata).toMatchObject({ tenant: "acme", seen: 3 });
    const custom = t.events.forRun(workflowRunId).filter((e) => e.type === "workflow.custom");
    expect(custom.map((e) => e.payload)).toMatchObject([
      { name: "page.done", payload: { page: 1 } },
    ]);
  });

  it("an error thrown in the child keeps its code and is retried; a NonRetryableError is not", async () => {
    let calls = 0;
    const flaky = workflow("flaky")
      .isolated()
      .task("t", {
        retry: { maxAttempts: 3, intervalMs: 1 },
        handler: (_input, ctx) => {
          calls++;
          if (ctx.attempt < 2) throw Object.assign(new Error("not yet"), { code: "BUSY" });
          return { attempt: ctx.attempt };
        },
      })
      .build();
    const fatal = workflow("fatal")
      .isolated()
      .task("t", {
        retry: { maxAttempts: 3, intervalMs: 1 },
        handler: () => {
          calls++;
          throw new NonRetryableError("no", { code: "REFUSED" });
        },
      })
      .build();
    const t = createTestKernel({
      workflows: [flaky, fatal],
      stageRunner: inlineStageRunner({ workflows: [flaky, fatal] }),
    });
    const a = await t.kernel.dispatch({ type: "run.create", workflowId: "flaky", input: {} });
    expect((await t.driver.runToCompletion(a.workflowRunId)).output).toEqual({ attempt: 2 });
    expect(calls).toBe(2);
    const b = await t.kernel.dispatch({ type: "run.create", workflowId: "fatal", input: {} });
    const failed = await t.driver.runToCompletion(b.workflowRunId);
    expect(failed.status).toBe("FAILED");
    expect(failed.error).toMatchObject({ code: "REFUSED" });
    expect(calls).toBe(3);
  });

  it("an undeclared event from the child fails the attempt with UNKNOWN_EVENT", async () => {
    const wf = workflow("undeclared")
      .isolated()
      .task("t", {
        handler: (_input, ctx) => {
          ctx.emit("nope", {});
          return 1;
        },
      })
      .build();
    const t = createTestKernel({ workflows: [wf], stageRunner: inlineStageRunner({ wf }) });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "undeclared",
      input: {},
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("FAILED");
    expect(run.error).toMatchObject({ code: "UNKNOWN_EVENT" });
  });

  it("without a runner an isolated stage fails with ISOLATION_UNAVAILABLE, not retried", async () => {
    let calls = 0;
    const wf = defineWorkflow({ id: "norunner", name: "n", input: Empty, output: z.any() })
      .pipe(
        defineStage({
          id: "s",
          name: "s",
          isolation: "thread",
          schemas: { input: Empty, output: z.any() },
          execute: () => {
            calls++;
            return {};
          },
        }),
      )
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "norunner",
      input: {},
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.error).toMatchObject({ code: "ISOLATION_UNAVAILABLE" });
    expect(calls).toBe(0);
  });
});

describe("runIsolatedStage (the child's side)", () => {
  const task = {
    protocol: 1 as const,
    workflowId: "reporting",
    workflowVersion: reporting.version,
    fingerprint: reporting.fingerprint,
    workflowRunId: "r1",
    stageId: "work",
    attempt: 1,
    maxAttempts: 1,
    input: {},
    config: {},
    runInput: {},
    outputs: {},
    metadata: {},
  };
  const channel = { send: () => undefined, subscribe: () => undefined };

  it("refuses a module without the workflow, a stage it lacks, or another definition", async () => {
    expect(await runIsolatedStage({}, task, channel)).toMatchObject({
      type: "error",
      error: { code: "ISOLATED_STAGE_NOT_FOUND", nonRetryable: true },
    });
    expect(
      await runIsolatedStage({ reporting }, { ...task, stageId: "other" }, channel),
    ).toMatchObject({ type: "error", error: { code: "ISOLATED_STAGE_NOT_FOUND" } });
    expect(
      await runIsolatedStage({ default: [reporting] }, { ...task, fingerprint: "x" }, channel),
    ).toMatchObject({ type: "error", error: { code: "ISOLATED_STAGE_MISMATCH" } });
  });
});
