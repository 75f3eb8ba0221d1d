/**
 * Refill on PostgreSQL: a stage completion with `refillFromQueue` leases queued work for the
 * slot its stage frees in the completion's own statement — the worker's routes only, in
 * dequeue order, for committed completions only, after the run's own next jobs — and hands
 * every job it leased back to a caller (none stays leased to a worker that was never told).
 */
import {
  createKernel,
  createRegistry,
  type DequeuedJob,
  defineStage,
  defineWorkflow,
  type JobExecuteResult,
  type Kernel,
  systemClock,
} from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createPostgresStack, type PrismaStack } from "../src/index.js";
import { useStack } from "./support/stacks.js";

const N = z.object({ n: z.number() });
const step = <const Id extends string>(id: Id) =>
  defineStage({
    id,
    name: id,
    schemas: { input: N, output: N },
    execute: (ctx) => ({ n: ctx.input.n + 1 }),
  });
const join = defineStage({
  id: "join",
  name: "join",
  schemas: { input: z.object({ a: N, b: N, c: N }), output: N },
  execute: (ctx) => ({ n: ctx.input.a.n + ctx.input.b.n + ctx.input.c.n }),
});
/** Three parallel stages, then a join: output 3n + 3. */
const fan = defineWorkflow({ id: "fan", name: "Fan", input: N, output: N })
  .parallel([step("a"), step("b"), step("c")])
  .pipe(join)
  .build();
/** Two stages in a row: output n + 2. */
const chain = defineWorkflow({ id: "chain", name: "Chain", input: N, output: N })
  .pipe(step("a"))
  .pipe(step("b"))
  .build();
/** A definition only another worker runs. */
const other = defineWorkflow({ id: "other", name: "Other", input: N, output: N })
  .pipe(step("x"))
  .build();

const WORKER = "w-refill";

describe("refill: a completion leases the freed slot's next job in its own commit (PostgreSQL)", () => {
  const harness = useStack("postgresql", "refill");
  const stacks: PrismaStack[] = [];
  let statements: string[] = [];

  /** A kernel for `workflows` on its own stack, counting the statements it sends. */
  async function kernelFor(...workflows: Parameters<typeof createRegistry>[0]): Promise<Kernel> {
    const stack = await createPostgresStack({
      url: harness().location,
      migrate: false,
      onStatement: (sql) => statements.push(sql),
    });
    stacks.push(stack);
    return createKernel({
      ...stack,
      eventSink: new CollectingEventSink(),
      clock: systemClock,
      registry: createRegistry(workflows),
    });
  }

  beforeEach(async () => {
    for (const stack of stacks.splice(0)) await stack.close();
    await harness().truncate();
    statements = [];
  });

  const create = async (kernel: Kernel, workflowId: string, n: number) =>
    (await kernel.dispatch({ type: "run.create", workflowId, input: { n } })).workflowRunId;

  const claim = async (kernel: Kernel, maxClaims: number, continueWith: number) =>
    (
      await kernel.dispatch({
        type: "run.claimPending",
        workerId: WORKER,
        maxClaims,
        continueWith,
      })
    ).jobs ?? [];

  const execute = (kernel: Kernel, job: DequeuedJob): Promise<JobExecuteResult> =>
    kernel.dispatch({
      type: "job.execute",
      workerId: WORKER,
      job,
      continueWith: 1,
      refillFromQueue: true,
    });

  const nextOf = (result: JobExecuteResult) =>
    result.outcome === "completed" ? (result.next ?? []) : [];

  const jobs = () =>
    harness().reader.read(
      "SELECT job_id, run_id, stage_id, status, attempt, locked_by FROM ratchet_jobs ORDER BY seq",
      [],
    );

  /** Runs `first` and every job handed on from it, one slot; returns the stage ids run. */
  async function drain(kernel: Kernel, first: DequeuedJob): Promise<string[]> {
    const ran: string[] = [];
    let job: DequeuedJob | undefined = first;
    while (job) {
      const result = await execute(kernel, job);
      expect(result.outcome).toBe("completed");
      ran.push(`${job.workflowRunId}:${job.stageId}`);
      const next = nextOf(result);
      expect(next.length).toBeLessThanOrEqual(1);
      job = next[0];
    }
    return ran;
  }

  it("hands the slot the oldest run's queued job, leased and with its snapshot, in the completion's one statement", async () => {
    const kernel = await kernelFor(fan);
    const r1 = await create(kernel, "fan", 1);
    const r2 = await create(kernel, "fan", 10);
    const [first, ...rest] = await claim(kernel, 2, 1);
    expect(rest).toEqual([]);
    expect(first?.workflowRunId).toBe(r1);

    statements = [];
    const result = await execute(kernel, first as DequeuedJob);
    // The completion and the refill were one statement: no dequeue, no read.
    expect(statements).toHaveLength(1);
    const [next] = nextOf(result);
    expect(next).toMatchObject({ workflowRunId: r1, stageId: "b", attempt: 1 });
    expect(next?.snapshot?.run.id).toBe(r1);
    const leased = (await jobs()).filter((row) => row.status === "RUNNING");
    expect(leased.map((row) => row.job_id)).toEqual([next?.jobId]);
    expect(leased[0]?.locked_by).toBe(WORKER);

    // One slot drains both runs: every stage once, every job completed at its first attempt.
    const ran = await drain(kernel, next as DequeuedJob);
    expect(ran).toEqual([
      `${r1}:b`,
      `${r1}:c`,
      `${r1}:join`,
      `${r2}:a`,
      `${r2}:b`,
      `${r2}:c`,
      `${r2}:join`,
    ]);
    for (const [id, n] of [
      [r1, 1],
      [r2, 10],
    ] as const) {
      const [run] = await harness().reader.read(
        "SELECT status, output FROM ratchet_runs WHERE id = $1",
        [id],
      );
      expect(run?.status).toBe("COMPLETED");
      expect(JSON.parse(String(run?.output))).toEqual({ n: 3 * n + 3 });
    }
    const rows = await jobs();
    expect(rows).toHaveLength(8);
    expect(rows.every((row) => row.status === "COMPLETED" && Number(row.attempt) === 1)).toBe(true);
  });

  it("takes only jobs of the routes the worker runs, even when another route's job is older", async () => {
    const others = await kernelFor(other);
    const otherRun = await create(others, "other", 0);
    expect(await claim(others, 1, 0)).toEqual([]); // its job waits, PENDING, for a worker of `other`
    const kernel = await kernelFor(fan);
    const r1 = await create(kernel, "fan", 1);
    const [first] = await claim(kernel, 1, 1);

    const [next] = nextOf(await execute(kernel, first as DequeuedJob));
    expect(next).toMatchObject({ workflowRunId: r1, workflowId: "fan", stageId: "b" });
    const otherJob = (await jobs()).find((row) => row.run_id === otherRun);
    expect(otherJob).toMatchObject({ status: "PENDING", locked_by: null });
  });

  it("refills nothing when the completion does not commit (its run was cancelled)", async () => {
    const kernel = await kernelFor(fan);
    const r1 = await create(kernel, "fan", 1);
    const r2 = await create(kernel, "fan", 2);
    const [first] = await claim(kernel, 2, 1);
    expect(first?.workflowRunId).toBe(r1);
    await kernel.dispatch({ type: "run.cancel", workflowRunId: r1 });

    statements = [];
    const result = await execute(kernel, first as DequeuedJob);
    expect(result.outcome).not.toBe("completed");
    // Not even for a moment: nothing was leased and given back.
    expect(statements).toHaveLength(1);
    const queued = (await jobs()).filter((row) => row.run_id === r2);
    expect(queued.map((row) => row.status)).toEqual(["PENDING", "PENDING", "PENDING"]);
  });

  it("leaves queued jobs alone when the run's own next stage takes the slot", async () => {
    const kernel = await kernelFor(chain);
    const r1 = await create(kernel, "chain", 1);
    const r2 = await create(kernel, "chain", 2);
    const [first] = await claim(kernel, 2, 1);

    statements = [];
    const next = nextOf(await execute(kernel, first as DequeuedJob));
    expect(next.map((job) => `${job.workflowRunId}:${job.stageId}`)).toEqual([`${r1}:b`]);
    expect(statements).toHaveLength(1); // nothing leased for the slot, nothing given back
    const queued = (await jobs()).filter((row) => row.run_id === r2);
    expect(queued.map((row) => row.status)).toEqual(["PENDING"]);
  });

  it("the member closing a parallel group hands on the join with an exact snapshot: the join reads nothing", async () => {
    const kernel = await kernelFor(fan);
    const r1 = await create(kernel, "fan", 5);
    const leased = await claim(kernel, 1, 3);
    expect(leased.map((job) => job.stageId)).toEqual(["a", "b", "c"]);
    for (const job of leased.slice(0, 2)) expect(nextOf(await execute(kernel, job))).toEqual([]);
    const [joinJob] = nextOf(await execute(kernel, leased[2] as DequeuedJob));
    expect(joinJob).toMatchObject({ workflowRunId: r1, stageId: "join" });
    const stages = joinJob?.snapshot?.stages ?? [];
    expect(stages.map((stage) => [stage.stageId, stage.status])).toEqual([
      ["a", "COMPLETED"],
      ["b", "COMPLETED"],
      ["c", "COMPLETED"],
      ["join", "PENDING"],
    ]);
    expect(stages.slice(0, 3).map((stage) => stage.outputRef?.kind)).toEqual([
      "inline",
      "inline",
      "inline",
    ]);

    statements = [];
    expect(await execute(kernel, joinJob as DequeuedJob)).toMatchObject({
      outcome: "completed",
      runStatus: "COMPLETED",
    });
    expect(statements).toHaveLength(1); // its completion: no read of the run first
    const [run] = await harness().reader.read("SELECT output FROM ratchet_runs WHERE id = $1", [
      r1,
    ]);
    expect(JSON.parse(String(run?.output))).toEqual({ n: 18 });
  });

  it("members completing in one statement still hand the join an exact snapshot, equal to the stored records", async () => {
    const kernel = await kernelFor(fan);
    const r1 = await create(kernel, "fan", 5);
    const leased = await claim(kernel, 1, 3);
    expect(leased.map((job) => job.stageId)).toEqual(["a", "b", "c"]);
    statements = [];
    // All three finish together: their completions share a statement, so the closing one's
    // siblings completed in the same statement that read the group.
    const results = await Promise.all(leased.map((job) => execute(kernel, job)));
    expect(statements.length).toBeLessThan(3);
    const [joinJob, ...others] = results.flatMap(nextOf);
    expect(others).toEqual([]);
    expect(joinJob).toMatchObject({ workflowRunId: r1, stageId: "join" });
    const stored = await stacks[0]?.persistence.listStages(r1);
    expect(joinJob?.snapshot?.stages).toEqual(stored);

    statements = [];
    expect(await execute(kernel, joinJob as DequeuedJob)).toMatchObject({
      outcome: "completed",
      runStatus: "COMPLETED",
    });
    expect(statements).toHaveLength(1); // its completion: no read of the run first
  });

  it("completions finishing together each get their own job, and every leased job is handed out", async () => {
    const kernel = await kernelFor(fan);
    const r1 = await create(kernel, "fan", 1);
    await create(kernel, "fan", 2);
    await create(kernel, "fan", 3);
    const leased = await claim(kernel, 3, 3);
    expect(leased.map((job) => job.stageId)).toEqual(["a", "b", "c"]);
    expect(new Set(leased.map((job) => job.workflowRunId))).toEqual(new Set([r1]));

    const results = await Promise.all(leased.map((job) => execute(kernel, job)));
    const next = results.flatMap(nextOf);
    // c or whichever closes r1's group takes the join; the other two take queued jobs.
    expect(results.every((result) => nextOf(result).length <= 1)).toBe(true);
    expect(next.filter((job) => job.workflowRunId === r1).map((job) => job.stageId)).toEqual([
      "join",
    ]);
    expect(next).toHaveLength(3);
    expect(new Set(next.map((job) => job.jobId)).size).toBe(3);
    const running = (await jobs()).filter((row) => row.status === "RUNNING");
    expect(new Set(running.map((row) => row.job_id))).toEqual(
      new Set(next.map((job) => job.jobId)),
    );
  });
});
