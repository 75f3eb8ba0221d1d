/**
 * Start hooks, step by step on the in-memory stack: a run waiting for its start hooks whose job
 * was lost is repaired by run.transition (the hooks' job again, never the first group's jobs
 * around them), and a start hook that uses up its attempts fails the run without a stage run.
 */
import { describe, expect, it } from "vitest";
import { withHooks, workflow } from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";

describe("start hooks", () => {
  it("run.transition gives a lost start hook job back, and the hooks still run first", async () => {
    const seen: string[] = [];
    const wf = withHooks(
      workflow("lost-start")
        .task("work", {
          handler: () => {
            seen.push("work");
            return {};
          },
        })
        .build(),
      {
        onBeforeStart: () => {
          seen.push("before");
        },
      },
    );
    const t = createTestKernel({ workflows: [wf] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "lost-start",
      input: {},
    });
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "w" });
    await t.jobTransport.cancelForRun(workflowRunId, t.clock.now());
    expect(await t.kernel.dispatch({ type: "run.transition", workflowRunId })).toMatchObject({
      action: "requeued",
    });
    expect((await t.driver.runToCompletion(workflowRunId)).status).toBe("COMPLETED");
    expect(seen).toEqual(["before", "work"]);
  });

  it("a shouldRun that keeps throwing fails the run; no stage runs", async () => {
    const seen: string[] = [];
    const wf = withHooks(
      workflow("bad-gate")
        .task("work", {
          handler: () => {
            seen.push("work");
            return {};
          },
        })
        .build(),
      {
        shouldRun: () => {
          throw new Error("gate down");
        },
        retry: { maxAttempts: 2, intervalMs: 10 },
      },
    );
    const t = createTestKernel({ workflows: [wf] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "bad-gate",
      input: {},
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("FAILED");
    expect(run.error?.message).toBe("gate down");
    expect(seen).toEqual([]);
    expect(await t.persistence.getStage(workflowRunId, "hook:onStart")).toMatchObject({
      status: "FAILED",
      attempt: 2,
    });
  });
});
