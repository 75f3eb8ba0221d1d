import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineStage, defineWorkflow, NonRetryableError } from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";
import { batchWorkflow, chainWorkflow, controllable, textWorkflow } from "../fixtures.js";
import { deferred, settle, startOne } from "../helpers.js";

describe("job.execute", () => {
  it("runs a sequential workflow to completion with the last stage's output", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run).toMatchObject({ status: "COMPLETED", output: { n: 4 }, currentGroup: 2 });
    const stages = await t.persistence.listStages(workflowRunId);
    expect(stages.map((s) => [s.stageId, s.status, s.attempt])).toEqual([
      ["a", "COMPLETED", 1],
      ["b", "COMPLETED", 1],
      ["c", "COMPLETED", 1],
    ]);
    expect(t.events.forRun(workflowRunId).map((e) => e.type)).toEqual([
      "workflow.created",
      "workflow.started",
      "workflow.step.started",
      "workflow.step.completed",
      "workflow.step.started",
      "workflow.step.completed",
      "workflow.step.started",
      "workflow.step.completed",
      "workflow.completed",
    ]);
  });

  it("runs a parallel group and hands the next stage an object keyed by stage id", async () => {
    const t = createTestKernel({ workflows: [textWorkflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "text",
      input: { text: "a quick brown fox" },
    });
    await t.driver.runToCompletion(workflowRunId);
    const run = await t.persistence.getRun(workflowRunId);
    expect(run?.status).toBe("COMPLETED");
    const { decodeValue } = await import("../../src/index.js");
    const output = decodeValue<{ text: string; splitAt: Date }>(run?.output ?? null);
    expect(output.text).toBe('4 words, longest "quick"');
    expect(output.splitAt).toBeInstanceOf(Date);
    expect(output.splitAt.toISOString()).toBe("2026-03-04T05:06:07.089Z");
  });

  it("retries a failing stage with back-off and succeeds on a later attempt", async () => {
    const { behaviour, workflow } = controllable("flaky");
    behaviour.run = (attempt) => {
      if (attempt < 3) throw new Error(`boom ${attempt}`);
      return { ok: true };
    };
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: workflow.id,
      input: {},
    });
    const startedAt = t.clock.now().getTime();
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");
    const retries = t.events.forRun(workflowRunId).filter((e) => e.type === "workflow.step.retry");
    expect(retries.map((e) => e.payload.attempt)).toEqual([1, 2]);
    // Each attempt's error rides in its event, with where it was thrown (the record keeps the last).
    expect(retries[0]?.payload.error).toEqual({
      code: "STAGE_ERROR",
      message: "boom 1",
      stack: expect.stringMatching(/^at .*job-execute\.test\.ts:\d+:\d+\)/),
    });
    expect(retries[1]?.payload.error).toMatchObject({ message: "boom 2" });
    // Back-off 1 s then 2 s: the run cannot finish before 3 s of (fake) time passed.
    expect(t.clock.now().getTime() - startedAt).toBeGreaterThanOrEqual(3_000);
    expect((await t.persistence.getStage(workflowRunId, "flaky"))?.attempt).toBe(3);
  });

  it("ignores a second delivery of an attempt that already failed: the retry waits for its back-off", async () => {
    const { behaviour, workflow } = controllable("flaky");
    const ran: number[] = [];
    behaviour.run = (attempt) => {
      ran.push(attempt);
      if (attempt === 1) throw new Error("boom 1");
      return { ok: true };
    };
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId, job } = await startOne(t, workflow.id);
    const first = await t.kernel.dispatch({ type: "job.execute", workerId: "w", job });
    expect(first.outcome).toBe("retrying");

    // The queue delivers attempt 1 again (at-least-once), before the back-off is over.
    const again = await t.kernel.dispatch({ type: "job.execute", workerId: "w", job });
    expect(again).toMatchObject({ outcome: "skipped", stageId: "flaky" });
    expect((again as { reason: string }).reason).toMatch(/attempt 1 already ended/);
    expect(ran).toEqual([1]);
    expect(await t.persistence.getStage(workflowRunId, "flaky")).toMatchObject({
      status: "PENDING",
      attempt: 1,
    });
    // The retry itself is untouched: attempt 2 runs once the back-off has passed.
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");
    expect(ran).toEqual([1, 2]);
  });

  it("commits nothing for an attempt whose job was handed back, even on its last attempt", async () => {
    const { behaviour, workflow } = controllable("only-once", {
      maxAttempts: 1,
      backoffMs: 1_000,
      maxBackoffMs: 1_000,
    });
    const ran: number[] = [];
    behaviour.run = (attempt, signal) => {
      ran.push(attempt);
      if (ran.length > 1) return { ok: true };
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason)),
      );
    };
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId, job } = await startOne(t, workflow.id);
    const controller = new AbortController();
    const running = t.kernel.dispatch({
      type: "job.execute",
      workerId: "worker-1",
      job,
      signal: controller.signal,
    });
    await settle();
    // What a host does on shutdown: give the job back, then abort the stage.
    expect(await t.jobTransport.release(job.jobId, "worker-1", t.clock.now())).toBe(true);
    controller.abort(new Error("shutting down"));
    expect(await running).toMatchObject({
      outcome: "skipped",
      reason: "the attempt no longer holds its job",
    });
    expect(await t.persistence.getStage(workflowRunId, "only-once")).toMatchObject({
      status: "PENDING",
      attempt: 0,
      error: null,
    });
    // The same (only) attempt runs again elsewhere and completes the run.
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");
    expect(ran).toEqual([1, 1]);
    expect(t.events.forRun(workflowRunId).map((e) => e.type)).not.toContain("workflow.step.retry");
  });

  it("commits one failure when two copies of one attempt fail at the same time", async () => {
    const { behaviour, workflow } = controllable("flaky");
    const gate = deferred();
    behaviour.run = async (attempt) => {
      await gate.promise;
      throw new Error(`boom ${attempt}`);
    };
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId, job } = await startOne(t, workflow.id);
    const copies = [1, 2].map(() => t.kernel.dispatch({ type: "job.execute", workerId: "w", job }));
    await settle();
    gate.resolve();
    const outcomes = (await Promise.all(copies)).map((r) => r.outcome).sort();
    expect(outcomes).toEqual(["retrying", "skipped"]);
    await t.kernel.dispatch({ type: "outbox.flush", workerId: "w" });
    const retries = t.events.forRun(workflowRunId).filter((e) => e.type === "workflow.step.retry");
    expect(retries.map((e) => e.payload.attempt)).toEqual([1]);
    expect(await t.persistence.getStage(workflowRunId, "flaky")).toMatchObject({
      status: "PENDING",
      attempt: 1,
    });
  });
  it("fails the run after maxAttempts", async () => {
    const { behaviour, workflow } = controllable("broken", {
      maxAttempts: 2,
      backoffMs: 10,
      maxBackoffMs: 10,
    });
    let calls = 0;
    behaviour.run = () => {
      calls++;
      throw new Error("always");
    };
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: workflow.id,
      input: {},
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(calls).toBe(2);
    expect(run).toMatchObject({
      status: "FAILED",
      error: { code: "STAGE_ERROR", message: "always", stageId: "broken" },
    });
    expect(await t.persistence.getStage(workflowRunId, "broken")).toMatchObject({
      status: "FAILED",
      attempt: 2,
    });
  });

  it("does not retry a NonRetryableError", async () => {
    const { behaviour, workflow } = controllable("fatal");
    let calls = 0;
    behaviour.run = () => {
      calls++;
      throw new NonRetryableError("bad document", { code: "BAD_DOCUMENT" });
    };
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: workflow.id,
      input: {},
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(calls).toBe(1);
    expect(run).toMatchObject({ status: "FAILED", error: { code: "BAD_DOCUMENT" } });
  });

  it("fails at once, without retries, when a stage returns output that breaks its schema", async () => {
    const liar = defineStage({
      id: "liar",
      name: "Liar",
      schemas: { input: z.object({}), output: z.object({ n: z.number() }) },
      execute: () => ({ n: "not a number" }) as unknown as { n: number },
    });
    const wf = defineWorkflow({
      id: "liar",
      name: "Liar",
      input: z.object({}),
      output: z.object({ n: z.number() }),
    })
      .pipe(liar)
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "liar",
      input: {},
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run).toMatchObject({
      status: "FAILED",
      error: { code: "STAGE_OUTPUT_INVALID", stageId: "liar" },
    });
    expect((await t.persistence.getStage(workflowRunId, "liar"))?.attempt).toBe(1);
  });

  it("stores large outputs in the blob store and keeps a reference in the row", async () => {
    const big = defineStage({
      id: "big",
      name: "Big",
      schemas: { input: z.object({ size: z.number() }), output: z.object({ data: z.string() }) },
      execute: (ctx) => ({ data: "x".repeat(ctx.input.size) }),
    });
    const measure = defineStage({
      id: "measure",
      name: "Measure",
      schemas: { input: z.object({ data: z.string() }), output: z.object({ length: z.number() }) },
      execute: (ctx) => ({ length: ctx.input.data.length }),
    });
    const wf = defineWorkflow({
      id: "big",
      name: "Big",
      input: z.object({ size: z.number() }),
      output: z.object({ length: z.number() }),
    })
      .pipe(big)
      .pipe(measure)
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "big",
      input: { size: 100_000 },
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.output).toEqual({ length: 100_000 });
    const stage = await t.persistence.getStage(workflowRunId, "big");
    expect(stage?.outputRef).toMatchObject({ kind: "blob" });
    const key = (stage?.outputRef as { key: string } | undefined)?.key ?? "";
    expect(key.startsWith(`runs/${workflowRunId}/outputs/big/`)).toBe(true);
    expect(await t.blobStore.has(key)).toBe(true);
    const inline = await t.persistence.getStageOutputs([{ runId: workflowRunId, stageId: "big" }]);
    expect(inline.size).toBe(0);
  });

  it("suspends an async-batch stage and resumes it when checkCompletion reports ready", async () => {
    const { batch, workflow } = batchWorkflow();
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "batch",
      input: { items: 7 },
    });
    await t.driver.tick();
    expect(await t.persistence.getStage(workflowRunId, "batch")).toMatchObject({
      status: "SUSPENDED",
    });
    // Not due yet: nothing is checked.
    expect(await t.kernel.dispatch({ type: "stage.pollSuspended", workerId: "w" })).toMatchObject({
      checked: 0,
    });
    t.clock.advance(5_000);
    expect(await t.kernel.dispatch({ type: "stage.pollSuspended", workerId: "w" })).toMatchObject({
      checked: 1,
      stillWaiting: 1,
    });
    batch.done = true;
    t.clock.advance(5_000);
    expect(await t.kernel.dispatch({ type: "stage.pollSuspended", workerId: "w" })).toMatchObject({
      checked: 1,
      resumed: 1,
    });
    const run = await t.persistence.getRun(workflowRunId);
    expect(run).toMatchObject({ status: "COMPLETED", output: { processed: 7 } });
    expect(batch.checks).toBe(2);
  });

  it("fails a suspended stage when checkCompletion reports an error", async () => {
    const { batch, workflow } = batchWorkflow();
    batch.error = "provider rejected the batch";
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "batch",
      input: { items: 1 },
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run).toMatchObject({
      status: "FAILED",
      error: { code: "ASYNC_BATCH_FAILED", message: "provider rejected the batch" },
    });
  });

  it("gives stages logs, run-scoped storage, metadata and progress", async () => {
    const rich = defineStage({
      id: "rich",
      name: "Rich",
      schemas: {
        input: z.object({}),
        output: z.object({ stored: z.string(), keys: z.array(z.string()), tenant: z.string() }),
      },
      execute: async (ctx) => {
        ctx.log.info("starting", { attempt: ctx.attempt });
        ctx.onProgress({ progress: 50, message: "half way" });
        await ctx.storage.putJson("notes/a.json", { when: new Date("2026-01-02T00:00:00Z") });
        const back = await ctx.storage.getJson<{ when: Date }>("notes/a.json");
        await expect(ctx.storage.put("../escape", new Uint8Array())).rejects.toMatchObject({
          code: "INVALID_STORAGE_KEY",
        });
        return {
          stored: back?.when.toISOString() ?? "",
          keys: await ctx.storage.list("notes/"),
          tenant: String(ctx.metadata.tenant),
        };
      },
    });
    const wf = defineWorkflow({
      id: "rich",
      name: "Rich",
      input: z.object({}),
      output: z.object({ stored: z.string(), keys: z.array(z.string()), tenant: z.string() }),
    })
      .pipe(rich)
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "rich",
      input: {},
      metadata: { tenant: "acme" },
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.output).toEqual({
      stored: "2026-01-02T00:00:00.000Z",
      keys: ["notes/a.json"],
      tenant: "acme",
    });
    expect(await t.blobStore.list(`runs/${workflowRunId}/storage/`)).toEqual([
      `runs/${workflowRunId}/storage/notes/a.json`,
    ]);
    const logs = await t.queries.listLogs(workflowRunId);
    expect(logs).toMatchObject([
      { level: "info", message: "starting", stageId: "rich", data: { attempt: 1 } },
    ]);
    expect(await t.persistence.getStage(workflowRunId, "rich")).toMatchObject({
      progress: { progress: 50, message: "half way" },
    });
    const types = t.events.forRun(workflowRunId).map((e) => e.type);
    expect(types.indexOf("workflow.step.started")).toBeLessThan(types.indexOf("workflow.progress"));
    expect(types.filter((x) => x === "workflow.step.started")).toHaveLength(1);
  });
});
