/**
 * Each test here proves Ratchet avoids one failure mode seen in existing engines
 * (see ARCHITECTURE.md, "Failure modes"). The number in each title is the one there.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createKernel,
  createRegistry,
  type DequeuedJob,
  decodeValue,
  defineStage,
  defineWorkflow,
} from "../src/index.js";
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

  it("4: one run's failing outbox consumer does not delay other runs' events", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    // Two runs; the consumer fails for every event of run C.
    const c = await t.kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n: 1 } });
    const d = await t.kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n: 1 } });
    t.events.failWhen((e) => e.workflowRunId === c.workflowRunId);
    for (let i = 0; i < 5; i++) {
      await t.kernel.dispatch({ type: "run.claimPending", workerId: WORKER });
      for (const job of await t.jobTransport.dequeue({
        workerId: WORKER,
        limit: 10,
        leaseMs: 30_000,
        now: t.clock.now(),
      })) {
        await t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job });
      }
      await t.kernel.dispatch({ type: "outbox.flush", workerId: WORKER });
    }
    const dTypes = t.events.forRun(d.workflowRunId).map((e) => e.type);
    expect(dTypes[0]).toBe("workflow.created");
    expect(dTypes.at(-1)).toBe("workflow.completed");
    expect(t.events.forRun(c.workflowRunId)).toEqual([]);
    // Consumer fixed: run C's events arrive, complete and in order.
    t.events.failWhen(null);
    t.clock.advance(10 * 60_000);
    for (let i = 0; i < 3; i++) await t.kernel.dispatch({ type: "outbox.flush", workerId: WORKER });
    const cEvents = t.events.forRun(c.workflowRunId);
    expect(cEvents.map((e) => e.sequence)).toEqual(cEvents.map((_, i) => i + 1));
    expect(cEvents.at(-1)?.type).toBe("workflow.completed");
  });

  it("5: a job is never dequeued before the transaction that enqueued it commits", async () => {
    const stack = createInMemoryStack();
    let committed = false;
    let seenBeforeCommit: number | undefined;
    let dequeued: Promise<unknown[]> | undefined;
    const watching = override(stack.persistence, {
      withTransaction: async (fn) => {
        const result = await stack.persistence.withTransaction(async (tx) => {
          const value = await fn(tx);
          // A fast worker polls while the claim transaction is still open.
          dequeued = stack.jobTransport
            .dequeue({ workerId: "fast", limit: 10, leaseMs: 30_000, now: new Date("2030-01-01") })
            .then((jobs) => {
              if (!committed) seenBeforeCommit = jobs.length;
              return jobs;
            });
          await settle();
          return value;
        });
        committed = true;
        return result;
      },
    });
    const t = createTestKernel({
      workflows: [chainWorkflow],
      persistence: watching,
      jobTransport: stack.jobTransport,
      scheduler: stack.scheduler,
    });
    await t.kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n: 1 } });
    committed = false;
    await t.kernel.dispatch({ type: "run.claimPending", workerId: WORKER });
    expect(seenBeforeCommit === undefined || seenBeforeCommit === 0).toBe(true);
    expect(await dequeued).toHaveLength(1);

    // And a claim whose transaction rolls back leaves no job behind at all.
    const rolling = override(stack.persistence, {
      withTransaction: (fn) =>
        stack.persistence.withTransaction(async (tx) => {
          await fn(tx);
          throw new Error("crash before commit");
        }),
    });
    const r = createTestKernel({
      workflows: [chainWorkflow],
      persistence: rolling,
      jobTransport: stack.jobTransport,
      scheduler: stack.scheduler,
    });
    const other = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    await expect(r.kernel.dispatch({ type: "run.claimPending", workerId: WORKER })).rejects.toThrow(
      "crash before commit",
    );
    expect(
      await stack.jobTransport.dequeue({
        workerId: "fast",
        limit: 10,
        leaseMs: 30_000,
        now: new Date("2030-01-01"),
      }),
    ).toEqual([]);
    expect((await stack.persistence.getRun(other.workflowRunId))?.status).toBe("PENDING");
  });

  it("6: a duplicate delivery of the same job commits the stage output once", async () => {
    const { behaviour, workflow } = controllable("dup");
    let executions = 0;
    behaviour.run = async () => {
      executions++;
      await settle(1);
      return { ok: true };
    };
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId, job } = await startOne(t, workflow.id);
    const results = await Promise.all([
      t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job }),
      t.kernel.dispatch({ type: "job.execute", workerId: "worker-2", job }),
    ]);
    expect(executions).toBe(2);
    expect(results.map((r) => r.outcome).sort()).toEqual(["completed", "skipped"]);
    const late = await t.kernel.dispatch({ type: "job.execute", workerId: "worker-3", job });
    expect(late.outcome).toBe("skipped");
    const outbox = await t.persistence.listOutboxEvents(workflowRunId);
    expect(outbox.filter((e) => e.type === "workflow.step.completed")).toHaveLength(1);
    expect(outbox.filter((e) => e.type === "workflow.completed")).toHaveLength(1);
    expect((await t.persistence.getRun(workflowRunId))?.status).toBe("COMPLETED");
  });

  it("7: cancelling a run fires the running stage's signal", async () => {
    const { behaviour, workflow } = controllable("cancellable");
    let reason: unknown;
    behaviour.run = (_attempt, signal) =>
      new Promise((_, reject) => {
        signal.addEventListener("abort", () => {
          reason = signal.reason;
          reject(signal.reason);
        });
      });
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId, job } = await startOne(t, workflow.id);
    const execution = t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job });
    await settle();
    expect(
      await t.kernel.dispatch({ type: "run.cancel", workflowRunId, reason: "user asked" }),
    ).toMatchObject({ status: "CANCELLED", cancelled: true });
    expect(reason).toMatchObject({ code: "RUN_CANCELLED" });
    expect(await execution).toMatchObject({ outcome: "cancelled" });
    expect(await t.persistence.getRun(workflowRunId)).toMatchObject({
      status: "CANCELLED",
      error: { code: "CANCELLED", message: "user asked" },
    });
    expect(await t.persistence.getStage(workflowRunId, "cancellable")).toMatchObject({
      status: "CANCELLED",
    });
  });

  it("7: a stage that never reads ctx.signal, cancelled while it runs, commits nothing", async () => {
    let finish!: () => void;
    const blocked = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const stage = defineStage({
      id: "unaware",
      name: "Unaware",
      schemas: { input: z.object({}).passthrough(), output: z.object({ ok: z.boolean() }) },
      execute: async () => {
        await blocked;
        return { ok: true };
      },
    });
    const workflow = defineWorkflow({
      id: "unaware",
      name: "Unaware",
      input: z.object({}).passthrough(),
      output: z.object({ ok: z.boolean() }),
    })
      .pipe(stage)
      .build();
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId, job } = await startOne(t, workflow.id);
    const execution = t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job });
    await settle();
    await t.kernel.dispatch({ type: "run.cancel", workflowRunId });
    finish();
    expect(await execution).toMatchObject({ outcome: "cancelled" });
    expect(await t.persistence.getStage(workflowRunId, "unaware")).toMatchObject({
      status: "CANCELLED",
    });
  });

  it("7: a cancel made by another process reaches the stage at its next heartbeat", async () => {
    const { behaviour, workflow } = controllable("remote");
    behaviour.run = (_attempt, signal) =>
      new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    const t = createTestKernel({ workflows: [workflow] });
    const elsewhere = createKernel({
      persistence: t.persistence,
      jobTransport: t.jobTransport,
      scheduler: t.scheduler,
      blobStore: t.blobStore,
      eventSink: t.eventSink,
      clock: t.clock,
      registry: createRegistry([workflow]),
    });
    const { workflowRunId, job } = await startOne(t, workflow.id);
    const execution = t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job });
    await settle();
    await elsewhere.dispatch({ type: "run.cancel", workflowRunId });
    const beat = await t.kernel.dispatch({
      type: "job.heartbeat",
      workerId: WORKER,
      jobIds: [job.jobId],
    });
    expect(beat.cancelled.length + beat.lost.length).toBe(1);
    expect(await execution).toMatchObject({ outcome: "cancelled" });
  });

  it("9: values, including Dates, round-trip identically", async () => {
    const value = {
      at: new Date("2026-05-06T07:08:09.010Z"),
      nested: {
        list: [1, -2.5, "three", null, true, { deep: new Date(0) }],
        empty: {},
        emptyList: [],
      },
      unicode: "zażółć 🚀 \u0000 \n",
      lookalike: { $date: "not really a date" },
      big: Number.MAX_SAFE_INTEGER,
    };
    const schema = z.object({
      at: z.date(),
      nested: z.object({
        list: z.array(z.unknown()),
        empty: z.object({}),
        emptyList: z.array(z.unknown()),
      }),
      unicode: z.string(),
      lookalike: z.object({ $date: z.string() }),
      big: z.number(),
    });
    let seen: unknown;
    const echo = defineStage({
      id: "echo",
      name: "Echo",
      schemas: { input: schema, output: schema },
      execute: (ctx) => {
        seen = ctx.input;
        return ctx.input;
      },
    });
    const wf = defineWorkflow({ id: "echo", name: "Echo", input: schema, output: schema })
      .pipe(echo)
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "echo",
      input: value,
      metadata: { when: value.at },
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(seen).toEqual(value);
    expect(decodeValue(run.output)).toEqual(value);
    expect(decodeValue(run.metadata)).toEqual({ when: value.at });
  });
});
