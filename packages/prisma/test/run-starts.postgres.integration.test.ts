/**
 * The run starter on PostgreSQL: `run.claimPending` claims and starts runs in one statement,
 * writing exactly the rows the transactional claim writes — compared column by column over the
 * same runs, claimed once each way — and hands the worker exact snapshots of what it committed.
 * Workflows that need a read, a lock or the scheduler to start (a run timeout, a concurrency
 * limit) still claim in a transaction.
 */
import {
  type Clock,
  createKernel,
  createRegistry,
  defineStage,
  defineWorkflow,
  type Kernel,
  type RunClaimPendingResult,
} from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
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
    retry: { maxAttempts: id === "b" ? 5 : 2 },
    ...(id === "c" ? { timeoutMs: 4_000 } : {}),
  });
const join = defineStage({
  id: "join",
  name: "join",
  schemas: { input: z.object({ a: N, b: N, c: N }), output: N },
  execute: (ctx) => ({ n: ctx.input.a.n + ctx.input.b.n + ctx.input.c.n }),
});
/** Three parallel stages first (different retries and a stage timeout), then a join. */
const fan = defineWorkflow({ id: "fan", name: "Fan", input: N, output: N })
  .parallel([step("a"), step("b"), step("c")])
  .pipe(join)
  .build();
/** One stage first. */
const chain = defineWorkflow({ id: "chain", name: "Chain", input: N, output: N })
  .pipe(step("a"))
  .pipe(step("b"))
  .build();
/** A run timeout: its start schedules the timer, so it claims in a transaction. */
const timed = defineWorkflow({ id: "timed", name: "Timed", input: N, output: N })
  .pipe(step("a"))
  .timeout(60_000)
  .build();

const WORKER = "w-starts";

/** A clock the test sets: both claims run at the same times. */
function settableClock(): Clock & { at(ms: number): void } {
  let now = Date.parse("2026-06-01T00:00:00.000Z");
  return { now: () => new Date(now), at: (ms) => (now = ms) };
}

describe("run starter: claim and start in one statement (PostgreSQL)", () => {
  const harness = useStack("postgresql", "run_starts");
  const stacks: PrismaStack[] = [];
  let statements: string[] = [];

  /** A kernel over its own stack; `starter: false` hides the persistence's run starter. */
  async function kernelFor(
    workflows: Parameters<typeof createRegistry>[0],
    options: { clock?: Clock; starter?: boolean } = {},
  ): Promise<Kernel> {
    const stack = await createPostgresStack({
      url: harness().location,
      migrate: false,
      onStatement: (sql) => statements.push(sql),
    });
    stacks.push(stack);
    const { runStarter: _hidden, ...withoutStarter } = stack.persistence;
    const persistence = options.starter === false ? withoutStarter : stack.persistence;
    return createKernel({
      ...stack,
      persistence,
      eventSink: new CollectingEventSink(),
      registry: createRegistry(workflows),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  }

  beforeEach(async () => {
    for (const stack of stacks.splice(0)) await stack.close();
    await harness().truncate();
    statements = [];
  });
  afterAll(async () => {
    for (const stack of stacks.splice(0)) await stack.close();
  });

  const read = (sql: string, params: unknown[] = []) => harness().reader.read(sql, params);

  /**
   * Every row the claim of `runIds` wrote, with the runs named by their place in `runIds` and
   * the records', jobs' and events' own ids left out (they are checked on their own).
   */
  async function writtenRows(runIds: readonly string[]) {
    const name = (id: unknown) => `run${runIds.indexOf(String(id))}`;
    const runs = await read(
      `SELECT * FROM ratchet_runs WHERE id = ANY($1) ORDER BY created_at, priority`,
      [runIds],
    );
    const stages = await read(
      `SELECT * FROM ratchet_stages WHERE run_id = ANY($1) ORDER BY run_id, stage_id`,
      [runIds],
    );
    const jobs = await read(
      `SELECT * FROM ratchet_jobs WHERE run_id = ANY($1) ORDER BY run_id, stage_id`,
      [runIds],
    );
    const events = await read(
      `SELECT * FROM ratchet_outbox WHERE run_id = ANY($1) AND type = 'workflow.started' ORDER BY run_id`,
      [runIds],
    );
    const byRun = <T extends Record<string, unknown>>(rows: T[]) =>
      rows
        .map((row) => ({ ...row, run_id: name(row.run_id) }))
        .sort((a, b) =>
          `${a.run_id}/${String(a.stage_id ?? "")}`.localeCompare(
            `${b.run_id}/${String(b.stage_id ?? "")}`,
          ),
        );
    return {
      runs: runs.map((row): Record<string, unknown> => ({ ...row, id: name(row.id) })),
      stages: byRun(stages.map(({ id: _id, ...row }) => row)),
      jobs: byRun(jobs.map(({ seq: _seq, job_id: _job, ...row }) => row)),
      events: byRun(events.map(({ id: _id, ...row }) => row)),
    };
  }

  /**
   * Creates the same four runs (two of each workflow, one urgent) from `base`: two of them more
   * than the fairness horizon (60 s) before the claim at `base + 120 s`, two after it.
   */
  async function createRuns(kernel: Kernel, clock: ReturnType<typeof settableClock>, base: number) {
    const ids: string[] = [];
    const specs = [
      { workflowId: "fan", n: 1, priority: 0 },
      { workflowId: "chain", n: 2, priority: 5 },
      { workflowId: "fan", n: 3, priority: 0 },
      { workflowId: "chain", n: 4, priority: 0 },
    ];
    for (const [i, spec] of specs.entries()) {
      clock.at(base + i + (i >= 2 ? 90_000 : 0));
      const created = await kernel.dispatch({
        type: "run.create",
        workflowId: spec.workflowId,
        input: { n: spec.n },
        priority: spec.priority,
      });
      ids.push(created.workflowRunId);
    }
    return ids;
  }

  it("writes exactly the rows the transactional claim writes, in one statement", async () => {
    const clock = settableClock();
    const base = clock.now().getTime();
    const classic = await kernelFor([fan, chain], { clock, starter: false });
    const starter = await kernelFor([fan, chain], { clock });

    const first = await createRuns(classic, clock, base);
    clock.at(base + 120_000);
    const claimedClassic = await classic.dispatch({
      type: "run.claimPending",
      workerId: WORKER,
      maxClaims: 3,
      continueWith: 2,
    });
    const classicRows = await writtenRows(first);
    // The fourth run is left pending: claim it away before the second round.
    await classic.dispatch({ type: "run.claimPending", workerId: "elsewhere", maxClaims: 10 });

    const second = await createRuns(starter, clock, base);
    clock.at(base + 120_000);
    statements = [];
    const claimedStarter = await starter.dispatch({
      type: "run.claimPending",
      workerId: WORKER,
      maxClaims: 3,
      continueWith: 2,
    });
    expect(statements.filter((sql) => sql !== "BEGIN" && sql !== "COMMIT")).toHaveLength(1);
    expect(statements).not.toContain("BEGIN");
    const starterRows = await writtenRows(second);

    // The urgent chain run first, then the two oldest fan runs; the newest chain run waits.
    expect(claimedStarter.claimed.map((c) => second.indexOf(c.workflowRunId))).toEqual([1, 0, 2]);
    expect(claimedClassic.claimed.map((c) => first.indexOf(c.workflowRunId))).toEqual([1, 0, 2]);
    expect(starterRows.runs.find((r) => r.id === "run3")?.status).toBe("PENDING");
    expect(starterRows).toEqual(classicRows);
    // Every record, job and event has an id of its own.
    const ids = await read(
      `SELECT id FROM ratchet_stages WHERE run_id = ANY($1)
       UNION ALL SELECT job_id FROM ratchet_jobs WHERE run_id = ANY($1)
       UNION ALL SELECT id FROM ratchet_outbox WHERE run_id = ANY($1) AND type = 'workflow.started'`,
      [second],
    );
    expect(ids).toHaveLength(3 + 3 + 1 + 3 + 3 + 1 + 1 + 1 + 1);
    expect(new Set(ids.map((row) => row.id)).size).toBe(ids.length);
    expect(shape(claimedStarter, second)).toEqual(shape(claimedClassic, first));
  });

  /** A claim's result with runs named by their place in `runIds` and ids left out. */
  function shape(result: RunClaimPendingResult, runIds: readonly string[]) {
    return {
      claimed: result.claimed.map((c) => ({
        run: runIds.indexOf(c.workflowRunId),
        workflowId: c.workflowId,
        jobs: c.jobIds.length,
      })),
      jobs: (result.jobs ?? []).map((job) => ({
        run: runIds.indexOf(job.workflowRunId),
        stageId: job.stageId,
        attempt: job.attempt,
        maxAttempts: job.maxAttempts,
        payload: job.payload,
      })),
    };
  }

  it("hands the worker its leased jobs with exact snapshots, under the ids the rows carry", async () => {
    const kernel = await kernelFor([fan, chain]);
    const created: string[] = [];
    for (const n of [1, 2]) {
      created.push(
        (await kernel.dispatch({ type: "run.create", workflowId: "fan", input: { n } }))
          .workflowRunId,
      );
    }
    const claimed = await kernel.dispatch({
      type: "run.claimPending",
      workerId: WORKER,
      maxClaims: 5,
      continueWith: 4,
    });
    // Three jobs of the first run, then one of the second: the claim's first four.
    expect(claimed.jobs?.map((job) => created.indexOf(job.workflowRunId))).toEqual([0, 0, 0, 1]);
    const jobs = await read(
      `SELECT job_id, run_id, stage_id, status, locked_by FROM ratchet_jobs ORDER BY seq`,
    );
    const leasedIds = new Set(claimed.jobs?.map((job) => job.jobId));
    expect(claimed.claimed.flatMap((c) => c.jobIds).sort()).toEqual(
      jobs.map((job) => job.job_id).sort(),
    );
    for (const job of jobs) {
      expect(job.status).toBe(leasedIds.has(String(job.job_id)) ? "RUNNING" : "PENDING");
      expect(job.locked_by).toBe(leasedIds.has(String(job.job_id)) ? WORKER : null);
    }
    for (const job of claimed.jobs ?? []) {
      const stored = await harness().stack.persistence.getRunWithStages?.(job.workflowRunId);
      expect(job.snapshot).toEqual(stored);
    }
    // The jobs run from their snapshots: each stage it leased completes.
    for (const job of claimed.jobs ?? [])
      await kernel.dispatch({ type: "job.execute", workerId: WORKER, job });
    const done = await read(
      `SELECT run_id, stage_id FROM ratchet_stages WHERE status = 'COMPLETED' ORDER BY run_id, stage_id`,
    );
    expect(
      done.map((row) => `${created.indexOf(String(row.run_id))}/${row.stage_id}`).sort(),
    ).toEqual(["0/a", "0/b", "0/c", "1/a"]);
  });

  it("claims workflows with a run timeout in a transaction, which schedules the timer", async () => {
    const kernel = await kernelFor([chain, timed]);
    await kernel.dispatch({ type: "run.create", workflowId: "timed", input: { n: 1 } });
    const claimed = await kernel.dispatch({ type: "run.claimPending", workerId: WORKER });
    expect(claimed.claimed).toHaveLength(1);
    expect(statements).toContain("BEGIN");
    const timers = await read(`SELECT count(*)::int AS n FROM ratchet_scheduled_commands`);
    expect(timers[0]?.n).toBe(1);
  });

  it("fails a claimed run whose row cannot be read and starts the others", async () => {
    const kernel = await kernelFor([chain]);
    const bad = (
      await kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n: 1 } })
    ).workflowRunId;
    const good = (
      await kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n: 2 } })
    ).workflowRunId;
    await read(`UPDATE ratchet_runs SET metadata = '{broken' WHERE id = $1`, [bad]);
    const claimed = await kernel.dispatch({
      type: "run.claimPending",
      workerId: WORKER,
      continueWith: 2,
    });
    expect(claimed.claimed.map((c) => c.workflowRunId)).toEqual([good]);
    expect(claimed.jobs?.map((job) => job.workflowRunId)).toEqual([good]);
    const [row] = await read(`SELECT status, error FROM ratchet_runs WHERE id = $1`, [bad]);
    expect(row?.status).toBe("FAILED");
    expect(String(row?.error)).toContain("CORRUPT_ROW");
  });
});
