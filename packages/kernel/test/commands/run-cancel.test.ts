import { describe, expect, it } from "vitest";
import {
  IllegalStateTransitionError,
  RunNotFoundError,
  StaleVersionError,
} from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";
import { batchWorkflow, chainWorkflow } from "../fixtures.js";

describe("run.cancel", () => {
  it("cancels a pending run and its later jobs never run", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "w" });
    const result = await t.kernel.dispatch({
      type: "run.cancel",
      workflowRunId,
      reason: "no longer needed",
    });
    expect(result).toEqual({ workflowRunId, status: "CANCELLED", cancelled: true });
    expect(
      await t.jobTransport.dequeue({ workerId: "w", limit: 10, leaseMs: 1000, now: t.clock.now() }),
    ).toEqual([]);
    expect(await t.kernel.dispatch({ type: "run.cancel", workflowRunId })).toMatchObject({
      cancelled: false,
    });
    expect(t.events.forRun(workflowRunId)).toEqual([]);
    await t.kernel.dispatch({ type: "outbox.flush", workerId: "w" });
    expect(t.events.forRun(workflowRunId).at(-1)).toMatchObject({
      type: "workflow.cancelled",
      payload: { reason: "no longer needed" },
    });
  });

  it("cancels a suspended stage so it is never polled again", async () => {
    const { batch, workflow } = batchWorkflow();
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "batch",
      input: { items: 2 },
    });
    await t.driver.tick();
    await t.kernel.dispatch({ type: "run.cancel", workflowRunId });
    t.clock.advance(60_000);
    expect(await t.kernel.dispatch({ type: "stage.pollSuspended", workerId: "w" })).toMatchObject({
      checked: 0,
    });
    expect(batch.checks).toBe(0);
    expect(await t.persistence.getStage(workflowRunId, "batch")).toMatchObject({
      status: "CANCELLED",
    });
  });

  it("refuses to cancel a completed run, an unknown run, or a stale version", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    const pending = await t.persistence.getRun(workflowRunId);
    await expect(
      t.kernel.dispatch({
        type: "run.cancel",
        workflowRunId,
        expectedVersion: (pending?.version ?? 0) + 5,
      }),
    ).rejects.toBeInstanceOf(StaleVersionError);
    expect((await t.persistence.getRun(workflowRunId))?.status).toBe("PENDING");
    await t.driver.runToCompletion(workflowRunId);
    const error = await t.kernel.dispatch({ type: "run.cancel", workflowRunId }).catch((e) => e);
    expect(error).toBeInstanceOf(IllegalStateTransitionError);
    expect(error).toMatchObject({
      code: "ILLEGAL_STATE_TRANSITION",
      from: "COMPLETED",
      to: "CANCELLED",
      workflowRunId,
    });
    await expect(
      t.kernel.dispatch({ type: "run.cancel", workflowRunId: "missing" }),
    ).rejects.toBeInstanceOf(RunNotFoundError);
  });
});
