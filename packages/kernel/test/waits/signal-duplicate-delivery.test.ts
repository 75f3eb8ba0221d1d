/**
 * A duplicate delivery of a signal step's job takes no buffered signal. The stage had already
 * suspended with a signal (its worker died before resuming it); a second delivery, carrying the
 * claim's snapshot (so it reads nothing else), found the run still at the stage's group, took
 * the next buffered signal for the stage, then lost the stage's compare-and-set — and committed
 * anyway, leaving that signal consumed by a stage that had its own: the step waiting next for
 * the name never got it. (Found by the deterministic simulation's `signal-consumed-twice`, on a
 * stale re-delivery of a job handed over by a claim.)
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineWorkflow } from "../../src/dsl/workflow.js";
import { createInMemoryStack } from "../../src/in-memory/index.js";
import type { DequeuedJob } from "../../src/records.js";
import { createTestKernel } from "../../src/testing/index.js";
import { override } from "../helpers.js";

const any = z.any();
const ticks = defineWorkflow({ id: "ticks", name: "ticks", input: any, output: any })
  .waitForSignal("first", { name: "tick" })
  .waitForSignal("second", { name: "tick" })
  .build();

describe("a duplicate delivery of a signal step's job", () => {
  it("takes no buffered signal: each wait gets its own, in order", async () => {
    const stack = createInMemoryStack();
    // The worker that suspends the first wait dies before it resumes it: the resume's first
    // read fails once the first signal is consumed (the resume entry resumes it later).
    let died = false;
    const persistence = override(stack.persistence, {
      getRun: async (id) => {
        if (!died && stack.store.signals.get("tick-1")?.consumedAt) {
          died = true;
          throw new Error("the worker died");
        }
        return stack.persistence.getRun(id);
      },
    });
    const t = createTestKernel({
      workflows: [ticks],
      persistence,
      jobTransport: stack.jobTransport,
      scheduler: stack.scheduler,
      blobStore: stack.blobStore,
    });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "ticks",
      input: {},
    });
    // Handed over by the claim with a snapshot of the run: executing it reads nothing else.
    const claimed = await t.kernel.dispatch({
      type: "run.claimPending",
      workerId: "worker-1",
      continueWith: 1,
    });
    const job = claimed.jobs?.[0] as DequeuedJob;
    expect(job.snapshot).toBeDefined();
    for (const n of [1, 2]) {
      const sent = await t.kernel.dispatch({
        type: "run.signal",
        workflowRunId,
        name: "tick",
        payload: { n },
        signalId: `tick-${n}`,
      });
      expect(sent.status).toBe("buffered");
    }

    expect(
      await t.kernel.dispatch({ type: "job.execute", workerId: "worker-1", job }),
    ).toMatchObject({ outcome: "suspended", stageId: "first" });
    expect(died).toBe(true);
    // The same delivery again, while the first wait is suspended with its signal.
    await t.kernel.dispatch({ type: "job.execute", workerId: "worker-1", job });
    expect(await t.persistence.getSignal("tick-2")).toMatchObject({
      consumedAt: null,
      consumedBy: null,
    });

    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");
    const outputs = await t.persistence.getStageOutputs([
      { runId: workflowRunId, stageId: "first" },
      { runId: workflowRunId, stageId: "second" },
    ]);
    expect(outputs.get(`${workflowRunId}:first`)).toMatchObject({ signalId: "tick-1" });
    expect(outputs.get(`${workflowRunId}:second`)).toMatchObject({ signalId: "tick-2" });
  });
});
