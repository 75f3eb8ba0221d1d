import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type DequeuedJob,
  defineStage,
  defineWorkflow,
  type JobExecuteResult,
  type JobTransport,
} from "../../src/index.js";
import { createInMemoryStack, createTestKernel } from "../../src/testing/index.js";
import { chainWorkflow } from "../fixtures.js";

const N = z.object({ n: z.number() });
const plusOne = (id: string) =>
  defineStage({
    id,
    name: id,
    schemas: { input: N, output: N },
    execute: (ctx) => ({ n: ctx.input.n + 1 }),
  });
const fanFirst = defineWorkflow({ id: "fan-first", name: "Fan first", input: N, output: z.any() })
  .parallel([plusOne("left"), plusOne("middle"), plusOne("right")])
  .build();

import { override } from "../helpers.js";

describe("run.claimPending with continueWith", () => {
  it("leases continued jobs for the caller's leaseMs, so a crashed host's jobs come back on its lease", async () => {
    // Regression: continued jobs took the kernel's 30 s jobLeaseMs whatever lease the host
    // used, so after a SIGKILL they came back 30 s later instead of after the host's 3 s.
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    const claim = await t.kernel.dispatch({
      type: "run.claimPending",
      workerId: "w",
      continueWith: 1,
      leaseMs: 3_000,
    });
    const [first] = claim.jobs ?? [];
    if (!first) throw new Error("no continued job");
    const leaseOf = async (jobId: string) =>
      (await t.jobTransport.getJob(jobId))?.lockedUntil?.getTime() ?? 0;
    expect((await leaseOf(first.jobId)) - t.clock.now().getTime()).toBe(3_000);
    const result = await t.kernel.dispatch({
      type: "job.execute",
      workerId: "w",
      job: first,
      continueWith: 1,
      leaseMs: 4_000,
    });
    const next = result.outcome === "completed" ? result.next?.[0] : undefined;
    if (!next) throw new Error("no next job");
    expect((await leaseOf(next.jobId)) - t.clock.now().getTime()).toBe(4_000);
    expect(next.workflowRunId).toBe(workflowRunId);
  });

  it("leases the first jobs to the claiming worker, with snapshots equal to what is stored", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const ids = [];
    for (let n = 0; n < 3; n++)
      ids.push(
        (await t.kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n } }))
          .workflowRunId,
      );
    const result = await t.kernel.dispatch({
      type: "run.claimPending",
      workerId: "w",
      maxClaims: 3,
      continueWith: 2,
    });
    expect(result.claimed).toHaveLength(3);
    const jobs = result.jobs ?? [];
    expect(jobs.map((job) => [job.stageId, job.attempt])).toEqual([
      ["a", 1],
      ["a", 1],
    ]);
    for (const job of jobs) {
      expect(await t.jobTransport.getJob(job.jobId)).toMatchObject({
        status: "RUNNING",
        lockedBy: "w",
        attempt: 1,
      });
      expect(job.snapshot).toEqual({
        run: await t.persistence.getRun(job.workflowRunId),
        stages: await t.persistence.listStages(job.workflowRunId),
      });
    }
    // The third run's job waits in the queue for anyone.
    const queued = await t.jobTransport.dequeue({
      workerId: "other",
      limit: 10,
      leaseMs: 30_000,
      now: t.clock.now(),
    });
    const leasedRuns = new Set(jobs.map((job) => job.workflowRunId));
    expect(queued.map((job) => job.workflowRunId)).toEqual(ids.filter((id) => !leasedRuns.has(id)));
  });

  it("a leased job runs the run to completion without a dequeue", async () => {
    const stack = createInMemoryStack();
    let dequeues = 0;
    const jobTransport: JobTransport = override(stack.jobTransport, {
      dequeue: (options) => {
        dequeues++;
        return stack.jobTransport.dequeue(options);
      },
    });
    const t = createTestKernel({
      workflows: [chainWorkflow],
      persistence: stack.persistence,
      jobTransport,
      scheduler: stack.scheduler,
    });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    const claim = await t.kernel.dispatch({
      type: "run.claimPending",
      workerId: "w",
      continueWith: 1,
    });
    let job: DequeuedJob | undefined = claim.jobs?.[0];
    while (job) {
      const result: JobExecuteResult = await t.kernel.dispatch({
        type: "job.execute",
        workerId: "w",
        job,
        continueWith: 1,
      });
      job = result.outcome === "completed" ? result.next?.[0] : undefined;
    }
    expect(dequeues).toBe(0);
    expect(await t.persistence.getRun(workflowRunId)).toMatchObject({
      status: "COMPLETED",
      output: { n: 4 },
    });
  });

  it("leases at most continueWith jobs of a parallel first group; the rest are queued", async () => {
    const t = createTestKernel({ workflows: [fanFirst] });
    await t.kernel.dispatch({ type: "run.create", workflowId: "fan-first", input: { n: 0 } });
    const result = await t.kernel.dispatch({
      type: "run.claimPending",
      workerId: "w",
      continueWith: 1,
    });
    expect(result.jobs?.map((job) => job.stageId)).toEqual(["left"]);
    const queued = await t.jobTransport.dequeue({
      workerId: "other",
      limit: 10,
      leaseMs: 30_000,
      now: t.clock.now(),
    });
    expect(queued.map((job) => job.stageId).sort()).toEqual(["middle", "right"]);
  });

  it("without continueWith, or on a transport that cannot store leased jobs, leases nothing", async () => {
    const stack = createInMemoryStack();
    const plain: JobTransport = override(stack.jobTransport, { enqueuesClaimed: false });
    const t = createTestKernel({
      workflows: [chainWorkflow],
      persistence: stack.persistence,
      jobTransport: plain,
      scheduler: stack.scheduler,
    });
    await t.kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n: 0 } });
    await t.kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n: 1 } });
    const a = await t.kernel.dispatch({
      type: "run.claimPending",
      workerId: "w",
      maxClaims: 1,
      continueWith: 5,
    });
    expect(a.jobs).toBeUndefined();
    const b = await t.kernel.dispatch({ type: "run.claimPending", workerId: "w", maxClaims: 1 });
    expect(b.jobs).toBeUndefined();
    expect(
      await plain.dequeue({ workerId: "w", limit: 10, leaseMs: 30_000, now: t.clock.now() }),
    ).toHaveLength(2);
  });

  it("rejects a negative continueWith with INVALID_COMMAND naming the field", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    await expect(
      t.kernel.dispatch({ type: "run.claimPending", workerId: "w", continueWith: -1 }),
    ).rejects.toMatchObject({ code: "INVALID_COMMAND", field: "continueWith" });
  });
});
