/**
 * Failure modes 4, 5, 6 and 9, avoided (the number in each title is the one in ARCHITECTURE.md,
 * "Failure modes"): what is delivered — one run's failing consumer does not hold back other
 * runs' events, a job is visible only once its transaction commits, a duplicate delivery
 * commits once, and values round-trip intact.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeValue, defineStage, defineWorkflow } from "../src/index.js";
import { createInMemoryStack, createTestKernel } from "../src/testing/index.js";
import { chainWorkflow, controllable } from "./fixtures.js";
import { override, settle, startOne } from "./helpers.js";

const WORKER = "worker-1";

describe("failure modes", () => {
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
    // Watched through the transactional claim (a run starter would claim without one).
    const watching = override(stack.persistence, {
      runStarter: () => undefined,
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
      runStarter: () => undefined,
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
    const outbox = await t.queries.listEvents(workflowRunId);
    expect(outbox.filter((e) => e.type === "workflow.step.completed")).toHaveLength(1);
    expect(outbox.filter((e) => e.type === "workflow.completed")).toHaveLength(1);
    expect((await t.persistence.getRun(workflowRunId))?.status).toBe("COMPLETED");
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
