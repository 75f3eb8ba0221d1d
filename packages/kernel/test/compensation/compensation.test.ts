/**
 * Compensation, step by step on the in-memory stack: a heartbeat keeps a compensation's job
 * (the run is COMPENSATING, not ended), a duplicate delivery commits nothing, a cancel of a
 * compensating run stops it, and a workflow timeout leaves a compensating run alone.
 */
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  defineStage,
  defineWorkflow,
  explainRun,
  loadRunInspection,
  NonRetryableError,
} from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";

const any = z.any();
const WORKER = "worker-1";

function saga(undo: string[]) {
  const stage = (id: string, fail = false) =>
    defineStage({
      id,
      name: id,
      schemas: { input: any, output: any },
      execute: () => {
        if (fail) throw new NonRetryableError(`${id} broke`);
        return { id };
      },
      compensate: (ctx) => {
        undo.push(ctx.stageId);
      },
    });
  return defineWorkflow({ id: "saga", name: "saga", input: any, output: any })
    .pipe(stage("a"))
    .pipe(stage("b", true))
    .timeout(60_000)
    .build();
}

/** Runs the saga until it is COMPENSATING with its compensation job dequeued. */
async function compensating(undo: string[]) {
  const t = createTestKernel({ workflows: [saga(undo)] });
  const { workflowRunId } = await t.kernel.dispatch({
    type: "run.create",
    workflowId: "saga",
    input: {},
  });
  await t.kernel.dispatch({ type: "run.claimPending", workerId: WORKER });
  for (let i = 0; i < 2; i++) {
    const [job] = await t.jobTransport.dequeue({
      workerId: WORKER,
      limit: 1,
      leaseMs: 30_000,
      now: t.clock.now(),
    });
    if (job) await t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job });
  }
  expect((await t.persistence.getRun(workflowRunId))?.status).toBe("COMPENSATING");
  const [job] = await t.jobTransport.dequeue({
    workerId: WORKER,
    limit: 1,
    leaseMs: 30_000,
    now: t.clock.now(),
  });
  if (!job) throw new Error("no compensation job");
  expect(job.stageId).toBe("compensate:a");
  return { t, workflowRunId, job };
}

describe("compensation", () => {
  it("a heartbeat renews a compensation's job instead of cancelling it", async () => {
    const { t, job } = await compensating([]);
    const beat = await t.kernel.dispatch({
      type: "job.heartbeat",
      workerId: WORKER,
      jobIds: [job.jobId],
    });
    expect(beat).toMatchObject({ renewed: [job.jobId], cancelled: [] });
  });

  it("a second delivery of a committed compensation commits nothing and runs nothing", async () => {
    const undo: string[] = [];
    const { t, workflowRunId, job } = await compensating(undo);
    expect(await t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job })).toMatchObject({
      outcome: "completed",
      runStatus: "COMPENSATED",
    });
    expect(await t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job })).toMatchObject({
      outcome: "skipped",
    });
    expect(undo).toEqual(["a"]);
    await t.kernel.dispatch({ type: "outbox.flush", workerId: WORKER });
    const done = t.events
      .forRun(workflowRunId)
      .filter((e) => e.type === "workflow.compensation.step.completed");
    expect(done.map((e) => e.payload.stageId)).toEqual(["a"]);
  });

  it("of two deliveries of one compensation running at once, only the first to commit counts", async () => {
    // Both get past job.execute's first check (the record is still PENDING for each) and the
    // run stays COMPENSATING after the first commits (another compensation follows): only the
    // compare-and-set on the record keeps the second from committing it again.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const undo: string[] = [];
    const step = (id: string, fail = false) =>
      defineStage({
        id,
        name: id,
        schemas: { input: any, output: any },
        execute: () => {
          if (fail) throw new NonRetryableError(`${id} broke`);
          return {};
        },
        compensate: async (ctx) => {
          undo.push(ctx.stageId);
          if (ctx.stageId === "b") await gate;
        },
      });
    const wf = defineWorkflow({ id: "saga", name: "saga", input: any, output: any })
      .pipe(step("a"))
      .pipe(step("b"))
      .pipe(step("c", true))
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "saga",
      input: {},
    });
    await t.kernel.dispatch({ type: "run.claimPending", workerId: WORKER });
    const take = async () => {
      const [job] = await t.jobTransport.dequeue({
        workerId: WORKER,
        limit: 1,
        leaseMs: 30_000,
        now: t.clock.now(),
      });
      if (!job) throw new Error("no job");
      return job;
    };
    for (let i = 0; i < 3; i++)
      await t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job: await take() });
    const job = await take();
    expect(job.stageId).toBe("compensate:b");
    const first = t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job });
    const second = t.kernel.dispatch({ type: "job.execute", workerId: "worker-2", job });
    await vi.waitFor(() => expect(undo).toEqual(["b", "b"]));
    release();
    const outcomes = (await Promise.all([first, second])).map((r) => r.outcome).sort();
    expect(outcomes).toEqual(["completed", "skipped"]);
    await t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job: await take() });
    expect(undo).toEqual(["b", "b", "a"]);
    expect((await t.persistence.getRun(workflowRunId))?.status).toBe("COMPENSATED");
    await t.kernel.dispatch({ type: "outbox.flush", workerId: WORKER });
    const completed = t.events
      .forRun(workflowRunId)
      .filter((e) => e.type === "workflow.compensation.step.completed")
      .map((e) => e.payload.stageId);
    expect(completed).toEqual(["b", "a"]);
  });

  it("cancelling a compensating run stops its compensations; its timeout does not apply", async () => {
    const undo: string[] = [];
    const { t, workflowRunId, job } = await compensating(undo);
    expect(await t.kernel.dispatch({ type: "run.timeout", workflowRunId })).toMatchObject({
      timedOut: false,
      status: "COMPENSATING",
    });
    expect(
      await t.kernel.dispatch({ type: "run.cancel", workflowRunId, reason: "stop" }),
    ).toMatchObject({ status: "CANCELLED", cancelled: true });
    expect(await t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job })).toMatchObject({
      outcome: "cancelled",
    });
    expect(undo).toEqual([]);
    expect(await t.persistence.getStage(workflowRunId, "compensate:a")).toMatchObject({
      status: "CANCELLED",
    });
  });

  it("explain says what a compensating run waits for, and how a compensated one ended", async () => {
    const wf = defineWorkflow({ id: "explained", name: "e", input: any, output: any })
      .pipe(
        defineStage({
          id: "a",
          name: "a",
          schemas: { input: any, output: any },
          execute: () => ({}),
          compensate: () => {
            throw new Error("undo broke");
          },
          compensateRetry: { maxAttempts: 2, intervalMs: 60_000 },
        }),
      )
      .pipe(
        defineStage({
          id: "b",
          name: "b",
          schemas: { input: any, output: any },
          execute: () => {
            throw new NonRetryableError("b broke");
          },
        }),
      )
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "explained",
      input: {},
    });
    for (let i = 0; i < 4; i++) await t.driver.tick();
    const waiting = await loadRunInspection(t.queries, workflowRunId, t.clock.now());
    if (!waiting) throw new Error("no run");
    expect(waiting.run.status).toBe("COMPENSATING");
    const text = explainRun(waiting).summary;
    expect(text).toContain("is compensating after NON_RETRYABLE b broke");
    expect(text).toContain('waits to retry stage "compensate:a": attempt 2 of 2');
    await t.driver.runToCompletion(workflowRunId, { idleStepMs: 30_000 });
    const ended = await loadRunInspection(t.queries, workflowRunId, t.clock.now());
    if (!ended) throw new Error("no run");
    expect(ended.run.status).toBe("COMPENSATION_FAILED");
    expect(explainRun(ended).summary).toContain("failed (a compensation failed");
  });
});
