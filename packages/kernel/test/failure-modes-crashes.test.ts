/**
 * Failure modes 1–3, avoided (the number in each title is the one in ARCHITECTURE.md, "Failure
 * modes"): a heartbeated lease is never reaped, a crash between a job's completion and the
 * run's transition is repaired, a job that crashes its worker every time stops at maxAttempts.
 */
import { describe, expect, it } from "vitest";
import type { DequeuedJob } from "../src/index.js";
import { createInMemoryStack, createTestKernel } from "../src/testing/index.js";
import { chainWorkflow, controllable } from "./fixtures.js";
import { deferred, override, settle, startOne } from "./helpers.js";

const WORKER = "worker-1";

describe("failure modes", () => {
  it("1: a long stage whose lease is heartbeated is never reaped, and its result is kept", async () => {
    const { behaviour, workflow } = controllable("long");
    const gate = deferred<{ ok: boolean }>();
    behaviour.run = () => gate.promise;
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId, job } = await startOne(t, workflow.id);
    const execution = t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job });
    await settle();
    for (let i = 0; i < 30; i++) {
      t.clock.advance(20_000); // 10 minutes in all, 20× the 30 s lease
      const beat = await t.kernel.dispatch({
        type: "job.heartbeat",
        workerId: WORKER,
        jobIds: [job.jobId],
      });
      expect(beat.renewed).toEqual([job.jobId]);
      expect(await t.kernel.dispatch({ type: "lease.reapStale" })).toEqual({
        released: 0,
        failed: 0,
      });
      expect(
        (await t.kernel.dispatch({ type: "run.reapStuck", stuckThresholdMs: 60_000 })).repaired,
      ).toEqual([]);
    }
    gate.resolve({ ok: true });
    expect(await execution).toMatchObject({ outcome: "completed" });
    expect(await t.persistence.getRun(workflowRunId)).toMatchObject({
      status: "COMPLETED",
      output: { ok: true },
    });
    expect((await t.persistence.getStage(workflowRunId, "long"))?.attempt).toBe(1);
  });

  it("1 (control): without heartbeats the same stage's lease is released", async () => {
    const { behaviour, workflow } = controllable("long");
    const gate = deferred<{ ok: boolean }>();
    behaviour.run = () => gate.promise;
    const t = createTestKernel({ workflows: [workflow] });
    const { job } = await startOne(t, workflow.id);
    const execution = t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job });
    await settle();
    t.clock.advance(31_000);
    expect(await t.kernel.dispatch({ type: "lease.reapStale" })).toEqual({
      released: 1,
      failed: 0,
    });
    gate.resolve({ ok: true });
    await execution;
  });

  it("2: a crash between a job's completion and the run's transition is repaired by run.reapStuck — the run completes", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    // Run stages a and b normally.
    await t.kernel.dispatch({ type: "run.claimPending", workerId: WORKER });
    for (let i = 0; i < 2; i++) {
      const [job] = await t.jobTransport.dequeue({
        workerId: WORKER,
        limit: 1,
        leaseMs: 30_000,
        now: t.clock.now(),
      });
      await t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job: job as never });
    }
    // The last stage's job completes and its output is stored, then the process dies before
    // the run transitions (what an engine with separate steps leaves behind).
    const [last] = await t.jobTransport.dequeue({
      workerId: WORKER,
      limit: 1,
      leaseMs: 30_000,
      now: t.clock.now(),
    });
    const stage = await t.persistence.getStage(workflowRunId, "c");
    await t.persistence.withTransaction(async (tx) => {
      await tx.updateStage(
        stage?.id as string,
        {
          status: "COMPLETED",
          output: { n: 4 },
          outputRef: { kind: "inline" },
          attempt: 1,
          completedAt: t.clock.now(),
        },
        { now: t.clock.now() },
      );
      await t.jobTransport.complete(last as DequeuedJob, t.clock.now(), tx);
    });
    expect((await t.persistence.getRun(workflowRunId))?.status).toBe("RUNNING");
    // Not yet past the threshold: left alone.
    expect(
      (await t.kernel.dispatch({ type: "run.reapStuck", stuckThresholdMs: 60_000 })).repaired,
    ).toEqual([]);
    t.clock.advance(61_000);
    const reaped = await t.kernel.dispatch({ type: "run.reapStuck", stuckThresholdMs: 60_000 });
    expect(reaped.repaired).toEqual([{ workflowRunId, action: "completed" }]);
    expect(await t.persistence.getRun(workflowRunId)).toMatchObject({
      status: "COMPLETED",
      output: { n: 4 },
    });
  });

  it("2: with a transport that cannot join transactions, a crash before the after-commit enqueue is repaired too", async () => {
    const stack = createInMemoryStack();
    let crashes = 1;
    const detached = override(stack.jobTransport, {
      joinsTransactions: false,
      enqueue: async (jobs) => {
        if (crashes-- > 0) throw new Error("process died before enqueue");
        await stack.jobTransport.enqueue(jobs);
      },
    });
    const t = createTestKernel({
      workflows: [chainWorkflow],
      persistence: stack.persistence,
      jobTransport: detached,
      scheduler: stack.scheduler,
    });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    await t.kernel.dispatch({ type: "run.claimPending", workerId: WORKER });
    expect(
      await t.jobTransport.dequeue({
        workerId: WORKER,
        limit: 5,
        leaseMs: 30_000,
        now: t.clock.now(),
      }),
    ).toEqual([]);
    t.clock.advance(61_000);
    expect(
      (await t.kernel.dispatch({ type: "run.reapStuck", stuckThresholdMs: 60_000 })).repaired,
    ).toEqual([{ workflowRunId, action: "requeued" }]);
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run).toMatchObject({ status: "COMPLETED", output: { n: 4 } });
  });

  it("3: a job that crashes its worker every time stops at maxAttempts and fails the run", async () => {
    const { workflow } = controllable("poison", {
      maxAttempts: 3,
      backoffMs: 10,
      maxBackoffMs: 10,
    });
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: workflow.id,
      input: {},
    });
    await t.kernel.dispatch({ type: "run.claimPending", workerId: WORKER });
    let deliveries = 0;
    for (let i = 0; i < 10; i++) {
      // The worker takes the job and dies (it never reports back).
      deliveries += (
        await t.jobTransport.dequeue({
          workerId: `w${i}`,
          limit: 1,
          leaseMs: 30_000,
          now: t.clock.now(),
        })
      ).length;
      t.clock.advance(31_000);
      await t.kernel.dispatch({ type: "lease.reapStale" });
    }
    expect(deliveries).toBe(3);
    expect(await t.persistence.getRun(workflowRunId)).toMatchObject({
      status: "FAILED",
      error: { code: "MAX_ATTEMPTS_EXCEEDED", stageId: "poison" },
    });
    expect(await t.persistence.getStage(workflowRunId, "poison")).toMatchObject({
      status: "FAILED",
      attempt: 3,
    });
  });
});
