/**
 * The in-memory run starter writes what `run.claimPending`'s transactional path writes: two
 * kernels, one claiming through the starter (offered by its persistence) and one through
 * transactions (the in-memory persistence as it is), over stores given the same runs, ids and
 * times, must end with the same rows — every field, insertion order included — and return the
 * same claims.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createInMemoryStack } from "../../src/in-memory/index.js";
import { inMemoryRunStarter } from "../../src/in-memory/run-starter.js";
import {
  type DequeuedJob,
  defineStage,
  defineWorkflow,
  type Persistence,
} from "../../src/index.js";
import { createTestKernel, FakeClock } from "../../src/testing/index.js";

const N = z.object({ n: z.number() });
const step = <const Id extends string>(id: Id, maxAttempts?: number) =>
  defineStage({
    id,
    name: id,
    schemas: { input: N, output: N },
    ...(maxAttempts ? { retry: { maxAttempts } } : {}),
    execute: (ctx) => ({ n: ctx.input.n + 1 }),
  });

/** A first group of two parallel stages, so a claim's leases split across runs. */
const pair = defineWorkflow({ id: "pair", name: "Pair", input: N, output: N })
  .parallel([step("left", 5), step("right")])
  .pipe(
    defineStage({
      id: "join",
      name: "join",
      schemas: { input: z.object({ left: N, right: N }), output: N },
      execute: (ctx) => ({ n: ctx.input.left.n + ctx.input.right.n }),
    }),
  )
  .build();
const single = defineWorkflow({ id: "single", name: "Single", input: N, output: N })
  .pipe(step("only"))
  .build();

/** A kernel over a fresh in-memory stack, claiming through the starter or not. */
function kernelOn(starter: boolean) {
  const stack = createInMemoryStack();
  let next = 0;
  const persistence: Persistence = starter
    ? {
        ...stack.persistence,
        runStarter: (jobTransport) =>
          stack.store.ownsJobTransport(jobTransport) ? inMemoryRunStarter(stack.store) : undefined,
      }
    : stack.persistence;
  const t = createTestKernel({
    workflows: [pair, single],
    persistence,
    jobTransport: stack.jobTransport,
    scheduler: stack.scheduler,
    queries: stack.queries,
    clock: new FakeClock(new Date("2026-01-01T00:00:00Z")),
    newId: () => `id-${String(++next).padStart(6, "0")}`,
  });
  return { t, stack };
}

/** Every row of the store, as stored. */
function rowsOf(stack: ReturnType<typeof createInMemoryStack>) {
  const { store } = stack;
  return {
    runs: [...store.runs.values()],
    stages: [...store.stages.values()],
    jobs: [...store.jobs.values()],
    outbox: [...store.outbox.values()],
  };
}

/**
 * `value` with every stage, job and event id of `stack` replaced by what it names (run and
 * stage, run and sequence): the starter takes its ids in fixed strides per claimed run, so a
 * run with a smaller first group than the widest leaves ids unused that the transactional path
 * hands to the next run instead.
 */
function named<T>(stack: ReturnType<typeof createInMemoryStack>, value: T): T {
  const names = new Map<string, string>();
  for (const stage of stack.store.stages.values())
    names.set(stage.id, `stage ${stage.runId} ${stage.stageId}`);
  for (const job of stack.store.jobs.values())
    names.set(job.jobId, `job ${job.workflowRunId} ${job.stageId}`);
  for (const event of stack.store.outbox.values())
    names.set(event.id, `event ${event.runId} ${event.sequence}`);
  const rename = (item: unknown): unknown => {
    if (typeof item === "string") return names.get(item) ?? item;
    if (Array.isArray(item)) return item.map(rename);
    if (typeof item !== "object" || item === null || item instanceof Date) return item;
    return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, rename(v)]));
  };
  return rename(value) as T;
}

describe("in-memory run starter", () => {
  it("claims and starts runs exactly as the transactional claim does", async () => {
    const sides = [kernelOn(true), kernelOn(false)] as const;
    const claims: unknown[][] = [[], []];
    for (const [i, { t }] of sides.entries()) {
      for (let n = 0; n < 5; n++) {
        const { workflowRunId } = await t.kernel.dispatch({
          type: "run.create",
          workflowId: n % 2 === 0 ? "pair" : "single",
          input: { n },
          ...(n === 3 ? { priority: 2 } : {}),
        });
        // A run pending again after an earlier start (rewritten: start time, group, count).
        if (n === 0)
          await t.persistence.updateRun(
            workflowRunId,
            { startedAt: new Date("2025-12-31T00:00:00Z"), currentGroup: 1, groupRemaining: 4 },
            { now: t.clock.now() },
          );
        t.clock.advance(3);
      }
      // Three runs (the first, of one stage, has priority) with two jobs leased to the worker:
      // the second run's lease runs out halfway through its group. Then the other two runs.
      claims[i]?.push(
        await t.kernel.dispatch({
          type: "run.claimPending",
          workerId: "w1",
          maxClaims: 3,
          continueWith: 2,
          leaseMs: 5_000,
        }),
      );
      t.clock.advance(7);
      claims[i]?.push(
        await t.kernel.dispatch({ type: "run.claimPending", workerId: "w2", maxClaims: 3 }),
      );
    }
    const [viaStarter, viaTransactions] = sides;
    expect(named(viaStarter.stack, claims[0])).toEqual(named(viaTransactions.stack, claims[1]));
    expect(named(viaStarter.stack, rowsOf(viaStarter.stack))).toEqual(
      named(viaTransactions.stack, rowsOf(viaTransactions.stack)),
    );
    // The claims did lease and queue: the comparison covers both kinds of job.
    const jobs = rowsOf(viaStarter.stack).jobs;
    expect(jobs.filter((job) => job.status === "RUNNING")).toHaveLength(2);
    expect(jobs.filter((job) => job.status === "PENDING")).toHaveLength(6);

    // And the runs go on the same way from there: the leased jobs first, then everything.
    for (const [i, { t }] of sides.entries()) {
      const first = claims[i]?.[0] as { jobs?: DequeuedJob[] };
      for (const job of first.jobs ?? [])
        await t.kernel.dispatch({ type: "job.execute", workerId: "w1", job });
      await t.driver.drain();
    }
    expect(named(viaStarter.stack, rowsOf(viaStarter.stack))).toEqual(
      named(viaTransactions.stack, rowsOf(viaTransactions.stack)),
    );
    expect(rowsOf(viaStarter.stack).runs.map((run) => run.status)).toEqual(
      Array(5).fill("COMPLETED"),
    );
  });

  it("claims and starts as one step: a failing start leaves every run pending and nothing written", async () => {
    const stack = createInMemoryStack();
    const starter = inMemoryRunStarter(stack.store);
    const now = new Date("2026-01-01T00:00:00Z");
    for (const id of ["r1", "r2"])
      await stack.persistence.createRun({
        id,
        workflowId: "wf",
        workflowVersion: "1",
        fingerprint: "",
        priority: 0,
        input: {},
        config: {},
        metadata: {},
        idempotencyKey: null,
        eventSeq: 0,
        createdAt: now,
      });
    const request = {
      limit: 2,
      now,
      starts: new Map([
        [
          "wf",
          {
            stages: [{ stageId: "a", maxAttempts: 3, payload: { groupIndex: 0 } }],
            event: { type: "workflow.started", payload: { workflowId: "wf" } },
          },
        ],
      ]),
      idStride: 3,
      workerId: "w",
      continueWith: 1,
      leaseUntil: new Date(now.getTime() + 1_000),
    };
    // The second run's stage record would take the first's id: the store refuses it.
    const clash = ["s1", "j1", "e1", "s1", "j2", "e2"];
    await expect(starter.claimAndStart({ ...request, ids: clash })).rejects.toMatchObject({
      code: "DUPLICATE_KEY",
    });
    const runs = await Promise.all(["r1", "r2"].map((id) => stack.persistence.getRun(id)));
    expect(runs.map((run) => [run?.status, run?.version])).toEqual([
      ["PENDING", 1],
      ["PENDING", 1],
    ]);
    expect(rowsOf(stack)).toMatchObject({ stages: [], jobs: [], outbox: [] });

    const started = await starter.claimAndStart({
      ...request,
      ids: ["s1", "j1", "e1", "s2", "j2", "e2"],
    });
    expect(started.map(({ run, slot, leased }) => [run.id, run.status, slot, leased])).toEqual([
      ["r1", "RUNNING", 0, 1],
      ["r2", "RUNNING", 1, 0],
    ]);
  });
});
