/**
 * `run.retry`: a failed or timed-out run goes again from the stage that failed (earlier
 * outputs kept); any other run is refused with RUN_NOT_FAILED, writing nothing.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineStage, defineWorkflow } from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";

const obj = z.object({ n: z.number() });

function flaky() {
  const state = { failB: true, runs: { a: 0, b: 0, c: 0 } };
  const step = (id: "a" | "b" | "c") =>
    defineStage({
      id,
      name: id,
      retry: { maxAttempts: 1 },
      schemas: { input: obj, output: obj },
      execute: (ctx) => {
        state.runs[id]++;
        if (id === "b" && state.failB) throw new Error("dependency down");
        return { n: ctx.input.n + 1 };
      },
    });
  const workflow = defineWorkflow({ id: "flaky", name: "flaky", input: obj, output: obj })
    .pipe(step("a"))
    .pipe(step("b"))
    .pipe(step("c"))
    .build();
  return { state, workflow };
}

describe("run.retry", () => {
  it("runs a failed run again from the failed stage, keeping the stages before it", async () => {
    const { state, workflow } = flaky();
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "flaky",
      input: { n: 0 },
    });
    const failed = await t.driver.runToCompletion(workflowRunId);
    expect(failed).toMatchObject({ status: "FAILED", error: { stageId: "b" } });
    const aBefore = await t.persistence.getStage(workflowRunId, "a");

    state.failB = false;
    const result = await t.kernel.dispatch({ type: "run.retry", workflowRunId });
    expect(result).toEqual({
      workflowRunId,
      fromStageId: "b",
      groupIndex: 1,
      jobIds: [expect.any(String)],
      previousStatus: "FAILED",
    });
    expect(await t.driver.runToCompletion(workflowRunId)).toMatchObject({
      status: "COMPLETED",
      output: { n: 3 },
      error: null,
    });
    expect(state.runs).toEqual({ a: 1, b: 2, c: 1 });
    expect(await t.persistence.getStage(workflowRunId, "a")).toEqual(aBefore);
  });

  it("retries a timed-out run from its earliest unfinished stage", async () => {
    const { state, workflow } = flaky();
    state.failB = false;
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "flaky",
      input: { n: 0 },
    });
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "w", maxClaims: 1 });
    await t.kernel.dispatch({ type: "run.timeout", workflowRunId });
    expect((await t.persistence.getRun(workflowRunId))?.status).toBe("TIMED_OUT");
    const result = await t.kernel.dispatch({ type: "run.retry", workflowRunId });
    expect(result).toMatchObject({ fromStageId: "a", groupIndex: 0, previousStatus: "TIMED_OUT" });
    expect((await t.driver.runToCompletion(workflowRunId)).status).toBe("COMPLETED");
  });

  it("refuses a run that did not fail with RUN_NOT_FAILED, and an unknown run", async () => {
    const { state, workflow } = flaky();
    state.failB = false;
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "flaky",
      input: { n: 0 },
    });
    await expect(t.kernel.dispatch({ type: "run.retry", workflowRunId })).rejects.toMatchObject({
      code: "RUN_NOT_FAILED",
      workflowRunId,
      message: expect.stringContaining("is PENDING"),
    });
    const done = await t.driver.runToCompletion(workflowRunId);
    expect(done.status).toBe("COMPLETED");
    await expect(t.kernel.dispatch({ type: "run.retry", workflowRunId })).rejects.toMatchObject({
      code: "RUN_NOT_FAILED",
    });
    expect(await t.persistence.getRun(workflowRunId)).toEqual(done);
    await expect(
      t.kernel.dispatch({ type: "run.retry", workflowRunId: "nope" }),
    ).rejects.toMatchObject({ code: "RUN_NOT_FOUND" });
  });
});
