/**
 * A stage aborted because its worker lost the job's lease (a heartbeat reported it `lost`)
 * commits nothing: the attempt belongs to whoever holds the job now. Before, the abort was
 * committed as the attempt's failure (`LEASE_LOST`) — on a last attempt that failed the run,
 * although the job's holder was running the same attempt. (Found by the deterministic
 * simulation: a stale delivery of a job another worker held, seed 3142 of RATCHET_LONG=1.)
 */
import { describe, expect, it } from "vitest";
import { createTestKernel } from "../../src/testing/index.js";
import { controllable } from "../fixtures.js";
import { settle, startOne } from "../helpers.js";

describe("job.execute after its lease was lost", () => {
  it("commits nothing, even on the last attempt; the holder's execution settles it", async () => {
    const { behaviour, workflow } = controllable("last", {
      maxAttempts: 1,
      backoffMs: 1_000,
      maxBackoffMs: 1_000,
    });
    const ran: string[] = [];
    behaviour.run = (_attempt, signal) => {
      ran.push(ran.length === 0 ? "stale" : "holder");
      if (ran.length > 1) return { ok: true };
      // The stale copy runs until it is told to stop.
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason)),
      );
    };
    const t = createTestKernel({ workflows: [workflow] });
    // worker-1 holds attempt 1; worker-2 runs an old delivery of the same attempt.
    const { workflowRunId, job } = await startOne(t, workflow.id, {}, "worker-1");
    const stale = t.kernel.dispatch({ type: "job.execute", workerId: "worker-2", job });
    await settle();
    const beat = await t.kernel.dispatch({
      type: "job.heartbeat",
      workerId: "worker-2",
      jobIds: [job.jobId],
    });
    expect(beat.lost).toEqual([job.jobId]);
    expect(await stale).toMatchObject({ outcome: "skipped", stageId: "last" });
    expect(await t.persistence.getRun(workflowRunId)).toMatchObject({
      status: "RUNNING",
      error: null,
    });
    expect(await t.persistence.getStage(workflowRunId, "last")).toMatchObject({ error: null });
    expect(await t.jobTransport.getJob(job.jobId)).toMatchObject({
      status: "RUNNING",
      attempt: 1,
      lockedBy: "worker-1",
    });

    // The holder's execution of the attempt completes the run.
    const held = await t.kernel.dispatch({ type: "job.execute", workerId: "worker-1", job });
    expect(held.outcome).toBe("completed");
    expect(await t.persistence.getRun(workflowRunId)).toMatchObject({ status: "COMPLETED" });
    expect(ran).toEqual(["stale", "holder"]);
    const types = t.events.forRun(workflowRunId).map((e) => e.type);
    expect(types).not.toContain("workflow.step.failed");
    expect(types).not.toContain("workflow.failed");
  });
});
