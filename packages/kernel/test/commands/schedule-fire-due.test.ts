import { describe, expect, it } from "vitest";
import { createTestKernel } from "../../src/testing/index.js";
import { chainWorkflow } from "../fixtures.js";

describe("schedule.fireDue", () => {
  it("dispatches a scheduled command once it is due, and only once", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    const runAt = new Date(t.clock.now().getTime() + 60 * 60_000);
    await t.scheduler.schedule({
      type: "run.cancel",
      correlationId: `deadline:${workflowRunId}`,
      payload: { workflowRunId, reason: "deadline passed" },
      runAt,
    });
    // Not due yet; the result says when it will be, so a host can wake then.
    expect(await t.kernel.dispatch({ type: "schedule.fireDue", workerId: "w" })).toEqual({
      fired: 0,
      failed: 0,
      nextDueAt: runAt,
    });
    t.clock.advance(60 * 60_000);
    expect(await t.kernel.dispatch({ type: "schedule.fireDue", workerId: "w" })).toEqual({
      fired: 1,
      failed: 0,
    });
    expect(await t.persistence.getRun(workflowRunId)).toMatchObject({
      status: "CANCELLED",
      error: { message: "deadline passed" },
    });
    t.clock.advance(60 * 60_000);
    expect(await t.kernel.dispatch({ type: "schedule.fireDue", workerId: "w" })).toEqual({
      fired: 0,
      failed: 0,
    });
  });

  it("keeps a command that failed and hands it out again after its lease", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    await t.scheduler.schedule({
      type: "run.cancel",
      correlationId: "c1",
      payload: { workflowRunId: "missing" },
      runAt: t.clock.now(),
    });
    expect(await t.kernel.dispatch({ type: "schedule.fireDue", workerId: "w" })).toEqual({
      fired: 0,
      failed: 1,
    });
    expect(await t.kernel.dispatch({ type: "schedule.fireDue", workerId: "w" })).toEqual({
      fired: 0,
      failed: 0,
    });
    t.clock.advance(t.kernel.options.jobLeaseMs + 1);
    expect(await t.kernel.dispatch({ type: "schedule.fireDue", workerId: "w" })).toEqual({
      fired: 0,
      failed: 1,
    });
  });
});
