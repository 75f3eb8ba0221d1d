/**
 * The kernel's cost per stage on the common path: persistence commits, and reads of earlier
 * outputs. Figures are written in docs/kernel.md.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type BlobStore,
  defineStage,
  defineWorkflow,
  type JobTransport,
  type Persistence,
} from "../src/index.js";
import { createInMemoryStack, createTestKernel } from "../src/testing/index.js";
import { chainWorkflow } from "./fixtures.js";
import { override } from "./helpers.js";

/** Counts commits: each transaction, and each write made outside one. */
function countingStack() {
  const stack = createInMemoryStack();
  const counts = {
    transactions: 0,
    dequeues: 0,
    outsideWrites: 0,
    stageOutputReads: 0,
    blobGets: 0,
  };
  const persistence: Persistence = override(stack.persistence, {
    withTransaction: (fn) => {
      counts.transactions++;
      return stack.persistence.withTransaction(fn);
    },
    getStageOutputs: (keys) => {
      counts.stageOutputReads += keys.length;
      return stack.persistence.getStageOutputs(keys);
    },
  });
  const jobTransport: JobTransport = override(stack.jobTransport, {
    dequeue: (options) => {
      counts.dequeues++;
      return stack.jobTransport.dequeue(options);
    },
  });
  const blobStore: BlobStore = override(stack.blobStore, {
    get: (key) => {
      counts.blobGets++;
      return stack.blobStore.get(key);
    },
  });
  return { stack, counts, persistence, jobTransport, blobStore };
}

describe("efficiency", () => {
  it("commits at most 2 times per stage on the common path (1 dequeue + 1 result transaction)", async () => {
    const c = countingStack();
    const t = createTestKernel({
      workflows: [chainWorkflow],
      persistence: c.persistence,
      jobTransport: c.jobTransport,
      scheduler: c.stack.scheduler,
    });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 0 },
    });
    const before = { ...c.counts };
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "w" });
    let stages = 0;
    for (;;) {
      const jobs = await c.jobTransport.dequeue({
        workerId: "w",
        limit: 1,
        leaseMs: 30_000,
        now: t.clock.now(),
      });
      if (jobs.length === 0) break;
      for (const job of jobs) {
        await t.kernel.dispatch({ type: "job.execute", workerId: "w", job });
        stages++;
      }
    }
    expect((await t.persistence.getRun(workflowRunId))?.status).toBe("COMPLETED");
    expect(stages).toBe(3);
    const transactions = c.counts.transactions - before.transactions;
    const dequeues = c.counts.dequeues - before.dequeues - 1; // the last, empty poll
    // claim: 1 transaction for the run; each stage: 1 dequeue + 1 transaction.
    expect(transactions).toBe(1 + stages);
    const perStage = (transactions - 1 + dequeues) / stages;
    expect(perStage).toBeLessThanOrEqual(2);
  });

  it("does not re-read earlier outputs for each stage (no O(N²) reads)", async () => {
    const N = 12;
    const step = (i: number) =>
      defineStage({
        id: `s${i}`,
        name: `Step ${i}`,
        schemas: {
          input: z.object({ i: z.number(), pad: z.string() }),
          output: z.object({ i: z.number(), pad: z.string() }),
        },
        execute: (ctx) => {
          // Every stage can see every earlier output…
          if (i > 0) expect(Object.keys(ctx.workflowContext)).toHaveLength(i);
          return { i: ctx.input.i + 1, pad: ctx.input.pad };
        },
      });
    let builder = defineWorkflow({
      id: "long",
      name: "Long",
      input: z.object({ i: z.number(), pad: z.string() }),
      output: z.object({ i: z.number(), pad: z.string() }),
    }).pipe(step(0));
    for (let i = 1; i < N; i++) builder = builder.pipe(step(i));
    const wf = builder.build();

    for (const size of [10, 100_000]) {
      const c = countingStack();
      const t = createTestKernel({
        workflows: [wf],
        persistence: c.persistence,
        jobTransport: c.jobTransport,
        scheduler: c.stack.scheduler,
        blobStore: c.blobStore,
      });
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: "long",
        input: { i: 0, pad: "x".repeat(size) },
      });
      const run = await t.driver.runToCompletion(workflowRunId);
      expect(run.status).toBe("COMPLETED");
      // …yet none is read back: the kernel keeps what it wrote (a re-reading kernel: N(N-1)/2 = 66).
      expect(c.counts.stageOutputReads + c.counts.blobGets).toBe(0);
    }
  });

  it("reads each earlier output at most once when another worker ran the earlier stages", async () => {
    const N = 6;
    const c = countingStack();
    const step = (i: number) =>
      defineStage({
        id: `s${i}`,
        name: `Step ${i}`,
        schemas: { input: z.object({ i: z.number() }), output: z.object({ i: z.number() }) },
        execute: (ctx) => ({ i: ctx.input.i + 1 }),
      });
    let builder = defineWorkflow({
      id: "hop",
      name: "Hop",
      input: z.object({ i: z.number() }),
      output: z.object({ i: z.number() }),
    }).pipe(step(0));
    for (let i = 1; i < N; i++) builder = builder.pipe(step(i));
    const wf = builder.build();
    // Two kernels (two workers) alternate stages, so each must read what the other wrote.
    const a = createTestKernel({
      workflows: [wf],
      persistence: c.persistence,
      jobTransport: c.jobTransport,
      scheduler: c.stack.scheduler,
    });
    const b = createTestKernel({
      workflows: [wf],
      persistence: c.persistence,
      jobTransport: c.jobTransport,
      scheduler: c.stack.scheduler,
      clock: a.clock,
    });
    const { workflowRunId } = await a.kernel.dispatch({
      type: "run.create",
      workflowId: "hop",
      input: { i: 0 },
    });
    await a.kernel.dispatch({ type: "run.claimPending", workerId: "a" });
    for (let turn = 0; ; turn++) {
      const k = turn % 2 === 0 ? a : b;
      const [job] = await c.jobTransport.dequeue({
        workerId: "x",
        limit: 1,
        leaseMs: 30_000,
        now: a.clock.now(),
      });
      if (!job) break;
      await k.kernel.dispatch({ type: "job.execute", workerId: "x", job });
    }
    expect((await a.persistence.getRun(workflowRunId))?.output).toEqual({ i: N });
    // Each kernel reads each output it did not write at most once: ≤ N in all, not N²/2.
    expect(c.counts.stageOutputReads).toBeLessThanOrEqual(N);
  });
});
