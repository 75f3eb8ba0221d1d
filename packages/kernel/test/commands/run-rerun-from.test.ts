import { describe, expect, it } from "vitest";
import { createTestKernel } from "../../src/testing/index.js";
import { chainWorkflow, controllable, textWorkflow } from "../fixtures.js";

describe("run.rerunFrom", () => {
  it("reruns a completed run from a middle stage, keeping earlier outputs", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    await t.driver.runToCompletion(workflowRunId);
    const aBefore = await t.persistence.getStage(workflowRunId, "a");
    const result = await t.kernel.dispatch({
      type: "run.rerunFrom",
      workflowRunId,
      fromStageId: "b",
    });
    expect(result).toMatchObject({
      workflowRunId,
      fromStageId: "b",
      groupIndex: 1,
      jobIds: [expect.any(String)],
    });
    expect(await t.persistence.getRun(workflowRunId)).toMatchObject({
      status: "RUNNING",
      output: null,
      currentGroup: 1,
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run).toMatchObject({ status: "COMPLETED", output: { n: 4 } });
    expect(await t.persistence.getStage(workflowRunId, "a")).toEqual(aBefore);
  });

  it("recovers a failed run once the cause is fixed", async () => {
    const { behaviour, workflow } = controllable("fragile", {
      maxAttempts: 1,
      backoffMs: 1,
      maxBackoffMs: 1,
    });
    behaviour.run = () => {
      throw new Error("dependency down");
    };
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: workflow.id,
      input: {},
    });
    expect((await t.driver.runToCompletion(workflowRunId)).status).toBe("FAILED");
    behaviour.run = () => ({ ok: true });
    await t.kernel.dispatch({ type: "run.rerunFrom", workflowRunId, fromStageId: "fragile" });
    expect(await t.driver.runToCompletion(workflowRunId)).toMatchObject({
      status: "COMPLETED",
      error: null,
      output: { ok: true },
    });
  });

  it("rejects reruns of running runs, unknown stages, and stages after an incomplete one", async () => {
    const t = createTestKernel({ workflows: [textWorkflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "text",
      input: { text: "a b" },
    });
    await expect(
      t.kernel.dispatch({ type: "run.rerunFrom", workflowRunId, fromStageId: "split" }),
    ).rejects.toMatchObject({ code: "ILLEGAL_STATE_TRANSITION" });
    await t.kernel.dispatch({ type: "run.cancel", workflowRunId });
    await expect(
      t.kernel.dispatch({ type: "run.rerunFrom", workflowRunId, fromStageId: "nope" }),
    ).rejects.toMatchObject({ code: "STAGE_NOT_FOUND", stageId: "nope" });
    await expect(
      t.kernel.dispatch({ type: "run.rerunFrom", workflowRunId, fromStageId: "summary" }),
    ).rejects.toMatchObject({ code: "ILLEGAL_STATE_TRANSITION" });
    await t.kernel.dispatch({ type: "run.rerunFrom", workflowRunId, fromStageId: "split" });
    expect((await t.driver.runToCompletion(workflowRunId)).status).toBe("COMPLETED");
  });
});
