import type { JobTransport } from "@ratchet/kernel";
import { createTestKernel } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { inMemoryHarness, pendingJobIds } from "./support/in-memory.js";
import {
  Executions,
  PIPELINE_STAGES,
  pipelineWorkflow,
  taskWorkflow,
} from "./support/workflows.js";

function setup(wrapTransport?: (transport: JobTransport) => JobTransport) {
  const executions = new Executions();
  const t = inMemoryHarness({
    workflows: [pipelineWorkflow(executions), taskWorkflow(executions)],
    ...(wrapTransport ? { wrapTransport } : {}),
  });
  return { t, executions };
}

describe("handleJob", () => {
  it("claims the named job, runs its stage and reports completed (ack)", async () => {
    const { t, executions } = setup();
    const [runId] = await t.startRuns("pipeline", [{ text: "a b c" }]);
    const [jobId] = await pendingJobIds(t, [runId as string]);

    const result = await t.host.handleJob({ jobId });

    expect(result).toEqual({
      outcome: "completed",
      ack: true,
      jobId,
      workflowRunId: runId,
      stageId: "split",
    });
    expect(executions.of(runId as string, "split")).toBe(1);
    const job = await t.jobTransport.getJob(jobId as string);
    expect(job).toMatchObject({ status: "COMPLETED", attempt: 1, lockedBy: null });
  });

  it("runs a whole workflow from messages alone (one per enqueued job)", async () => {
    const { t, executions } = setup();
    const [runId] = await t.startRuns("pipeline", [{ text: "one two" }]);
    for (let round = 0; round < 3; round++) {
      for (const jobId of await pendingJobIds(t, [runId as string])) {
        expect((await t.host.handleJob({ jobId })).outcome).toBe("completed");
      }
    }
    const run = await t.persistence.getRun(runId as string);
    expect(run?.status).toBe("COMPLETED");
    for (const stageId of PIPELINE_STAGES) expect(executions.of(runId as string, stageId)).toBe(1);
  });

  it("skips a duplicate message: the stage ran once (sequential and concurrent duplicates)", async () => {
    const { t, executions } = setup();
    const [a, b] = await t.startRuns("pipeline", [{ text: "x" }, { text: "y" }]);
    const [jobA, jobB] = await pendingJobIds(t, [a as string, b as string]);

    const first = await t.host.handleJob({ jobId: jobA });
    const again = await t.host.handleJob({ jobId: jobA });
    expect(first.outcome).toBe("completed");
    expect(again).toEqual({
      outcome: "skipped",
      ack: true,
      jobId: jobA,
      reason: "job is completed",
    });

    // Two containers get the same message at once: one claims, the other skips.
    const other = t.makeHost({ workerId: "other-host" });
    const both = await Promise.all([
      t.host.handleJob({ jobId: jobB }),
      other.handleJob({ jobId: jobB }),
    ]);
    expect(both.map((r) => r.outcome).sort()).toEqual(["completed", "skipped"]);

    expect(executions.of(a as string, "split")).toBe(1);
    expect(executions.of(b as string, "split")).toBe(1);
    expect(t.host.getStats().outcomes).toMatchObject({ completed: 2, skipped: 1 });
  });

  it("skips a message for a job that is running elsewhere or not due yet", async () => {
    const { t } = setup();
    const [runId] = await t.startRuns("task", [{ flaky: true }]);
    const [jobId] = await pendingJobIds(t, [runId as string]);
    const retrying = await t.host.handleJob({ jobId });
    expect(retrying).toMatchObject({ outcome: "retrying", ack: true, jobId });
    expect(retrying.retryAt).toEqual(new Date(t.clock.now().getTime() + 50));
    expect(retrying.error).toEqual({ code: "STAGE_ERROR", message: "task told to retry" });

    const early = await t.host.handleJob({ jobId });
    expect(early).toMatchObject({ outcome: "skipped", ack: true });
    expect(early.reason).toMatch(/^job is not due until /);

    t.clock.advance(50);
    const taken = await t.jobTransport.claimJob?.(jobId as string, {
      workerId: "someone-else",
      leaseMs: 30_000,
      now: t.clock.now(),
    });
    expect(taken?.attempt).toBe(2);
    const busy = await t.host.handleJob({ jobId });
    expect(busy).toMatchObject({
      outcome: "skipped",
      reason: "job is running (attempt 2, someone-else)",
    });
  });

  it("skips (acks) a message for a job of a definition this deployment lacks, leaving the job untouched", async () => {
    const { t } = setup();
    const [runId] = await t.startRuns("pipeline", [{ text: "a b" }]);
    const [jobId] = await pendingJobIds(t, [runId as string]);
    const before = await t.jobTransport.getJob(jobId as string);
    // Another deployment on the same store whose kernel registers only the task workflow.
    const other = createTestKernel({
      workflows: [taskWorkflow(new Executions())],
      persistence: t.persistence,
      jobTransport: t.jobTransport,
      scheduler: t.scheduler,
      blobStore: t.blobStore,
      clock: t.clock,
    });
    const host = t.makeHost({ kernel: other.kernel, workerId: "other-deployment" });
    const result = await host.handleJob({ jobId });
    expect(result).toMatchObject({ outcome: "skipped", ack: true, jobId });
    expect(result.reason).toContain("a definition not registered here");
    expect(await t.jobTransport.getJob(jobId as string)).toEqual(before);
    // Its sweep of available jobs passes the job by too.
    expect(await host.processAvailableJobs({ maxJobs: 10, concurrency: 2 })).toMatchObject({
      processed: 0,
    });
    expect(await t.jobTransport.getJob(jobId as string)).toEqual(before);
    // The deployment that has it runs it.
    expect((await t.host.handleJob({ jobId })).outcome).toBe("completed");
  });

  it("reports a stage that fails for good as failed, acked (retrying the message cannot help)", async () => {
    const { t } = setup();
    const [runId] = await t.startRuns("task", [{ fail: true }]);
    const [jobId] = await pendingJobIds(t, [runId as string]);
    const result = await t.host.handleJob({ jobId });
    expect(result).toEqual({
      outcome: "failed",
      ack: true,
      jobId,
      workflowRunId: runId,
      stageId: "task",
      error: { code: "NON_RETRYABLE", message: "task told to fail" },
    });
    expect((await t.persistence.getRun(runId as string))?.status).toBe("FAILED");
  });

  it("reports cancelled (acked) when the run is cancelled while its stage runs", async () => {
    const { t } = setup();
    const [runId] = await t.startRuns("task", [{ delayMs: 100 }]);
    const [jobId] = await pendingJobIds(t, [runId as string]);
    const handling = t.host.handleJob({ jobId });
    await new Promise((r) => setTimeout(r, 20));
    await t.kernel.dispatch({ type: "run.cancel", workflowRunId: runId as string });
    expect(await handling).toEqual({
      outcome: "cancelled",
      ack: true,
      jobId,
      workflowRunId: runId,
      stageId: "task",
    });
    expect((await t.persistence.getRun(runId as string))?.status).toBe("CANCELLED");
  });

  it("skips a message whose run was cancelled before it arrived", async () => {
    const { t, executions } = setup();
    const [runId] = await t.startRuns("task", [{}]);
    const [jobId] = await pendingJobIds(t, [runId as string]);
    await t.kernel.dispatch({ type: "run.cancel", workflowRunId: runId as string });
    const result = await t.host.handleJob({ jobId });
    // Cancelling ends the job, so the late message finds nothing to claim.
    expect(result).toMatchObject({ outcome: "skipped", ack: true, reason: "job is cancelled" });
    expect(executions.total()).toBe(0);
  });

  it("returns INVALID_MESSAGE (acked) for malformed messages, never throws", async () => {
    const { t, executions } = setup();
    const cases: Array<[unknown, string]> = [
      [null, "message"],
      ["job-1", "message"],
      [42, "message"],
      [[{ jobId: "x" }], "message"],
      [{}, "jobId"],
      [{ jobId: 7 }, "jobId"],
      [{ jobId: "" }, "jobId"],
      [{ jobId: "j", attempt: "1" }, "attempt"],
      [{ jobId: "j", attempt: 0 }, "attempt"],
      [{ jobId: "j", priority: 1.5 }, "priority"],
      [{ jobId: "j", payload: [] }, "payload"],
      [{ jobId: "j", workflowRunId: null }, "workflowRunId"],
    ];
    for (const [message, field] of cases) {
      const result = await t.host.handleJob(message);
      expect(result, JSON.stringify(message)).toMatchObject({
        outcome: "failed",
        ack: true,
        error: { code: "INVALID_MESSAGE", field },
      });
      expect(result.error?.message).toMatch(/^\[ratchet\] \[serverless\] invalid job message: /);
    }
    expect(executions.total()).toBe(0);
    expect(t.host.getStats()).toMatchObject({
      messagesHandled: cases.length,
      invalidMessages: cases.length,
      jobsProcessed: 0,
      errors: 0,
    });
  });

  it("skips a well-formed message naming an unknown job", async () => {
    const { t } = setup();
    const result = await t.host.handleJob({ jobId: "no-such-job", stageId: "split" });
    expect(result).toEqual({
      outcome: "skipped",
      ack: true,
      jobId: "no-such-job",
      reason: "job not found",
    });
  });

  it("turns a transport error into failed with ack: false (retry the message)", async () => {
    const { t } = setup((transport) => {
      const broken: JobTransport = Object.create(transport);
      broken.claimJob = async () => {
        throw Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" });
      };
      return broken;
    });
    const result = await t.host.handleJob({ jobId: "j-1" });
    expect(result).toEqual({
      outcome: "failed",
      ack: false,
      jobId: "j-1",
      error: { code: "ECONNREFUSED", message: "connection refused" },
    });
    expect(t.host.getStats().errors).toBe(1);
  });

  it("turns an error while committing the result into failed with ack: false", async () => {
    const { t, executions } = setup((transport) => {
      const broken: JobTransport = Object.create(transport);
      broken.complete = async () => {
        throw "database went away";
      };
      return broken;
    });
    const [runId] = await t.startRuns("task", [{}]);
    const [jobId] = await pendingJobIds(t, [runId as string]);
    const result = await t.host.handleJob({ jobId });
    expect(result).toEqual({
      outcome: "failed",
      ack: false,
      jobId,
      workflowRunId: runId,
      stageId: "task",
      error: {
        code: "UNEXPECTED_ERROR",
        message: "[ratchet] [serverless] database went away",
      },
    });
    expect(executions.of(runId as string, "task")).toBe(1);
  });

  describe("with a transport without claimJob", () => {
    const withoutClaim = (transport: JobTransport): JobTransport => {
      const plain: JobTransport = Object.create(transport);
      Object.defineProperty(plain, "claimJob", { value: undefined });
      return plain;
    };

    it("executes a message carrying the whole job as given", async () => {
      const { t, executions } = setup(withoutClaim);
      const [runId] = await t.startRuns("pipeline", [{ text: "a" }]);
      const [job] = await t.jobTransport.dequeue({
        workerId: "test-host",
        limit: 1,
        leaseMs: 30_000,
        now: t.clock.now(),
      });
      const result = await t.host.handleJob(JSON.parse(JSON.stringify(job)));
      expect(result).toMatchObject({ outcome: "completed", ack: true, workflowRunId: runId });
      expect(executions.of(runId as string, "split")).toBe(1);
    });

    it("rejects a message with only a jobId, naming the first missing field", async () => {
      const { t } = setup(withoutClaim);
      const result = await t.host.handleJob({ jobId: "j-1" });
      expect(result).toMatchObject({
        outcome: "failed",
        ack: true,
        error: { code: "INVALID_MESSAGE", field: "workflowRunId" },
      });
    });
  });
});
