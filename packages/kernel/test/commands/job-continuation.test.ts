import { describe, expect, it } from "vitest";
import type { DequeuedJob, JobExecuteResult, JobTransport, Persistence } from "../../src/index.js";
import { createInMemoryStack, createTestKernel } from "../../src/testing/index.js";
import { chainWorkflow, textWorkflow } from "../fixtures.js";
import { override, startOne } from "../helpers.js";

function counted() {
  const stack = createInMemoryStack();
  const counts = { reads: 0, dequeues: 0, transactions: 0 };
  const persistence: Persistence = override(stack.persistence, {
    withTransaction: (fn) => {
      counts.transactions++;
      return stack.persistence.withTransaction(fn);
    },
    getRunWithStages: (id) => {
      counts.reads++;
      return stack.persistence.getRunWithStages?.(id) ?? Promise.resolve(null);
    },
  });
  const jobTransport: JobTransport = override(stack.jobTransport, {
    dequeue: (options) => {
      counts.dequeues++;
      return stack.jobTransport.dequeue(options);
    },
  });
  return { stack, persistence, jobTransport, counts };
}

describe("job.execute with continueWith (local continuation)", () => {
  it("hands the worker the next stage's job, leased, with a snapshot: one transaction per stage, no dequeue, no read", async () => {
    const c = counted();
    const t = createTestKernel({
      workflows: [chainWorkflow],
      persistence: c.persistence,
      jobTransport: c.jobTransport,
      scheduler: c.stack.scheduler,
    });
    const started = await startOne(t, "chain", { n: 0 }, "w");
    const { workflowRunId } = started;
    let job: DequeuedJob | undefined = started.job;
    const before = { ...c.counts };
    const stages: string[] = [];
    while (job) {
      const result: JobExecuteResult = await t.kernel.dispatch({
        type: "job.execute",
        workerId: "w",
        job,
        continueWith: 1,
      });
      expect(result.outcome).toBe("completed");
      stages.push(job.stageId);
      job = result.outcome === "completed" ? result.next?.[0] : undefined;
      if (job) {
        expect(job.snapshot?.run.currentGroup).toBe(stages.length);
        expect(await t.jobTransport.getJob(job.jobId)).toMatchObject({
          status: "RUNNING",
          lockedBy: "w",
          attempt: 1,
        });
      }
    }
    expect(stages).toEqual(["a", "b", "c"]);
    expect(await t.persistence.getRun(workflowRunId)).toMatchObject({
      status: "COMPLETED",
      output: { n: 3 },
    });
    expect(c.counts.transactions - before.transactions).toBe(3);
    expect(c.counts.dequeues - before.dequeues).toBe(0);
    // Only the first stage, which came from a dequeue, read the run.
    expect(c.counts.reads - before.reads).toBe(1);
  });

  it("continues into one job of a parallel group and leaves the others in the queue", async () => {
    const t = createTestKernel({ workflows: [textWorkflow] });
    const { job } = await startOne(t, "text", { text: "one two" }, "w");
    const result = await t.kernel.dispatch({
      type: "job.execute",
      workerId: "w",
      job,
      continueWith: 1,
    });
    expect(result).toMatchObject({ outcome: "completed", next: [{ stageId: "count" }] });
    const others = await t.jobTransport.dequeue({
      workerId: "other",
      limit: 10,
      leaseMs: 30_000,
      now: t.clock.now(),
    });
    expect(others.map((j) => j.stageId)).toEqual(["longest"]);
  });

  it("the member closing a parallel group continues into the next group's job, without a snapshot (the run is read)", async () => {
    const c = counted();
    const t = createTestKernel({
      workflows: [textWorkflow],
      persistence: c.persistence,
      jobTransport: c.jobTransport,
      scheduler: c.stack.scheduler,
    });
    const { job, workflowRunId } = await startOne(t, "text", { text: "one three" }, "w");
    const execute = (next: DequeuedJob) =>
      t.kernel.dispatch({ type: "job.execute", workerId: "w", job: next, continueWith: 1 });
    const split = await execute(job);
    const [count] = split.outcome === "completed" ? (split.next ?? []) : [];
    const [longest] = await t.jobTransport.dequeue({
      workerId: "w",
      limit: 10,
      leaseMs: 30_000,
      now: t.clock.now(),
    });
    expect([count?.stageId, longest?.stageId]).toEqual(["count", "longest"]);
    // `count` completes first: the group stays open, nothing to continue into.
    expect(await execute(count as DequeuedJob)).not.toHaveProperty("next");
    // `longest` closes it: the summary's job is leased to this worker and handed on.
    const closing = await execute(longest as DequeuedJob);
    const [summary] = closing.outcome === "completed" ? (closing.next ?? []) : [];
    expect(summary).toMatchObject({ stageId: "summary", attempt: 1 });
    // This worker's view of `count` predates its completion: no snapshot is handed on.
    expect(summary?.snapshot).toBeUndefined();
    expect(await t.jobTransport.getJob(summary?.jobId as string)).toMatchObject({
      status: "RUNNING",
      lockedBy: "w",
    });
    const reads = c.counts.reads;
    expect(await execute(summary as DequeuedJob)).toMatchObject({ outcome: "completed" });
    expect(c.counts.reads - reads).toBe(1);
    expect(await t.persistence.getRun(workflowRunId)).toMatchObject({
      status: "COMPLETED",
      output: { text: '2 words, longest "three"' },
    });
  });

  it("a continued job the worker never runs is reaped when its lease ends, and another worker finishes the run", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const { workflowRunId, job } = await startOne(t, "chain", { n: 0 }, "w");
    const result = await t.kernel.dispatch({
      type: "job.execute",
      workerId: "w",
      job,
      continueWith: 1,
    });
    expect(result.outcome === "completed" && result.next).toHaveLength(1);
    // The worker dies before running it.
    t.clock.advance(t.kernel.options.jobLeaseMs + 1);
    expect(await t.kernel.dispatch({ type: "lease.reapStale" })).toMatchObject({ released: 1 });
    expect(await t.driver.runToCompletion(workflowRunId)).toMatchObject({
      status: "COMPLETED",
      output: { n: 3 },
    });
  });
});

describe("job.execute continueWith on a transport that cannot store leased jobs", () => {
  it("does not continue: the next job goes through the queue", async () => {
    const stack = createInMemoryStack();
    const plain: JobTransport = override(stack.jobTransport, { enqueuesClaimed: false });
    const t = createTestKernel({
      workflows: [chainWorkflow],
      persistence: stack.persistence,
      jobTransport: plain,
      scheduler: stack.scheduler,
    });
    const { job } = await startOne(t, "chain", { n: 0 }, "w");
    const result = await t.kernel.dispatch({
      type: "job.execute",
      workerId: "w",
      job,
      continueWith: 1,
    });
    expect(result).toMatchObject({ outcome: "completed" });
    expect("next" in result).toBe(false);
    expect(
      (await plain.dequeue({ workerId: "w", limit: 1, leaseMs: 30_000, now: t.clock.now() })).map(
        (j) => j.stageId,
      ),
    ).toEqual(["b"]);
  });
});
