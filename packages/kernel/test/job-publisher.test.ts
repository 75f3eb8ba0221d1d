/**
 * After-commit publishing (`KernelConfig.jobPublisher`): every command that commits ready work
 * tells the publisher after its commit — runs that became PENDING, queued jobs, retries,
 * released leases — and never work leased to the committing worker, nor work of a transaction
 * that rolled back. A failing publisher never fails the command.
 */
import { describe, expect, it } from "vitest";
import { type JobPublisher, type ReadyWork, readyWorkMessage } from "../src/index.js";
import { createTestKernel } from "../src/testing/index.js";
import { chainWorkflow, controllable } from "./fixtures.js";

function recording(): JobPublisher & { calls: ReadyWork[][] } {
  const calls: ReadyWork[][] = [];
  return {
    calls,
    publish: async (work) => {
      calls.push([...work]);
    },
  };
}

const worker = { workerId: "w1", leaseMs: 30_000 };

describe("after-commit publishing", () => {
  it("announces a created run, then its first job, then each next job the committer writes", async () => {
    const publisher = recording();
    const t = createTestKernel({ workflows: [chainWorkflow], jobPublisher: publisher });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    expect(publisher.calls).toEqual([
      [
        {
          kind: "run",
          workflowRunId,
          route: expect.any(String),
          priority: 0,
          availableAt: t.clock.now(),
        },
      ],
    ]);
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "w1" });
    const first = publisher.calls[1]?.[0];
    expect(first).toMatchObject({ kind: "job", workflowRunId, availableAt: t.clock.now() });
    for (const stage of ["a", "b", "c"]) {
      const claimed = await t.jobTransport.claimJob?.((first as { jobId: string }).jobId, {
        ...worker,
        now: t.clock.now(),
      });
      const job =
        claimed ?? (await t.jobTransport.dequeue({ ...worker, limit: 1, now: t.clock.now() }))[0];
      expect(job?.stageId).toBe(stage);
      if (!job) throw new Error("no job");
      await t.kernel.dispatch({ type: "job.execute", workerId: "w1", job });
    }
    // run, a, b, c: one call per commit that made work ready; the last stage ends the run.
    const jobs = publisher.calls.flat().filter((w) => w.kind === "job");
    expect(jobs.map((w) => w.jobId)).toHaveLength(3);
    expect(new Set(jobs.map((w) => w.jobId)).size).toBe(3);
    expect((await t.persistence.getRun(workflowRunId))?.status).toBe("COMPLETED");
  });

  it("announces a retry at its back-off time", async () => {
    const publisher = recording();
    const { behaviour, workflow } = controllable("flaky");
    behaviour.run = (attempt) => {
      if (attempt === 1) throw new Error("boom");
      return { ok: true };
    };
    const t = createTestKernel({ workflows: [workflow], jobPublisher: publisher });
    await t.kernel.dispatch({ type: "run.create", workflowId: workflow.id, input: {} });
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "w1" });
    const [job] = await t.jobTransport.dequeue({ ...worker, limit: 1, now: t.clock.now() });
    if (!job) throw new Error("no job");
    const result = await t.kernel.dispatch({ type: "job.execute", workerId: "w1", job });
    expect(result.outcome).toBe("retrying");
    const retry = publisher.calls.at(-1);
    expect(retry).toEqual([
      {
        kind: "job",
        jobId: job.jobId,
        workflowRunId: job.workflowRunId,
        route: expect.any(String),
        priority: 0,
        availableAt: (result as { retryAt: Date }).retryAt,
      },
    ]);
    expect(readyWorkMessage(retry?.[0] as ReadyWork, t.clock.now())).toEqual({
      jobId: job.jobId,
      notBefore: (result as { retryAt: Date }).retryAt.toISOString(),
    });
  });

  it("never announces a job leased to the worker that claimed its run", async () => {
    const publisher = recording();
    const t = createTestKernel({ workflows: [chainWorkflow], jobPublisher: publisher });
    await t.kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n: 1 } });
    const claim = await t.kernel.dispatch({
      type: "run.claimPending",
      workerId: "w1",
      continueWith: 1,
    });
    expect(claim.jobs).toHaveLength(1);
    expect(publisher.calls.flat().filter((w) => w.kind === "job")).toEqual([]);
  });

  it("announces nothing for a command that rolled back", async () => {
    const publisher = recording();
    const t = createTestKernel({ workflows: [chainWorkflow], jobPublisher: publisher });
    await expect(
      t.kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n: "x" } }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
    expect(publisher.calls).toEqual([]);
  });

  it("announces a job whose stale lease was released", async () => {
    const publisher = recording();
    const t = createTestKernel({ workflows: [chainWorkflow], jobPublisher: publisher });
    await t.kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n: 1 } });
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "w1" });
    const [job] = await t.jobTransport.dequeue({ ...worker, limit: 1, now: t.clock.now() });
    t.clock.advance(60_000);
    const before = publisher.calls.length;
    await t.kernel.dispatch({ type: "lease.reapStale" });
    expect(publisher.calls.slice(before)).toEqual([
      [
        {
          kind: "job",
          jobId: job?.jobId,
          workflowRunId: job?.workflowRunId,
          priority: 0,
          availableAt: t.clock.now(),
        },
      ],
    ]);
  });

  it("a publisher that fails does not fail the command, and the work stays claimable", async () => {
    const t = createTestKernel({
      workflows: [chainWorkflow],
      jobPublisher: { publish: () => Promise.reject(new Error("queue down")) },
    });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");
  });
});
