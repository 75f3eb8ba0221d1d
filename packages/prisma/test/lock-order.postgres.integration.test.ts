/**
 * Lock order on the real PostgreSQL server: a worker's heartbeat (`renewLeases` over every job
 * it holds) and its batched stage completions (which settle several of its jobs in one
 * statement) must not deadlock. The crash test found such deadlocks twice (PostgreSQL failed a
 * heartbeat with 40P01): first a completion batch that took its jobs out of order, later a
 * completion whose refill (`SKIP LOCKED`) kept the lock of a job just leased to the same worker
 * and then waited for a job the heartbeat held. These tests check, deterministically, that while
 * a statement waits for a row another session holds it holds nothing it could deadlock over:
 * neither its other jobs nor queued jobs, and a heartbeat holds no row at all while it waits.
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { FakeClock } from "@ratchet/kernel/testing";
import type pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { testPool } from "./support/pg-pool.js";
import { useStack } from "./support/stacks.js";
import { kernelOver, leaseJobs } from "./support/test-kernels.js";

const N = z.object({ n: z.number() });
const single = defineWorkflow({ id: "lock-order", name: "Lock order", input: N, output: N })
  .pipe(
    defineStage({
      id: "a",
      name: "a",
      schemas: { input: N, output: N },
      execute: (ctx) => ({ n: ctx.input.n + 1 }),
    }),
  )
  .build();

const RUNS = 30;

/** A deterministic shuffle (so a failure replays). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("lock order of a worker's jobs (postgresql)", () => {
  const harness = useStack("postgresql", "lock_order_postgresql");
  let pool: pg.Pool | undefined;
  const holds: Array<() => Promise<void>> = [];
  afterEach(async () => {
    // A failed test lets go of the row it held, so the statements waiting for it end.
    for (const release of holds.splice(0)) await release();
    await pool?.end();
    pool = undefined;
  });

  /** RUNS one-stage runs whose jobs w0 holds; their ids, lowest job_id first. */
  async function heldJobs() {
    const h = harness();
    await h.truncate();
    const clock = new FakeClock(new Date("2026-01-01T00:00:00Z"));
    const t = kernelOver(h.stack, [single], clock, "w0");
    for (let i = 0; i < RUNS; i++)
      await t.kernel.dispatch({ type: "run.create", workflowId: single.id, input: { n: i } });
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "w0", maxClaims: RUNS });
    const jobs = await leaseJobs(t, RUNS, 600_000);
    expect(jobs).toHaveLength(RUNS);
    const sorted = [...jobs].sort((a, b) => (a.jobId < b.jobId ? -1 : 1));
    pool = testPool(h.location, 3);
    return { t, clock, jobs, lowest: sorted[0]?.jobId as string, url: h.location };
  }

  /** Holds the row of `jobId` in a transaction of its own until `release` is called. */
  async function holdRow(jobId: string) {
    const client = await (pool as pg.Pool).connect();
    await client.query("BEGIN");
    await client.query("SELECT 1 FROM ratchet_jobs WHERE job_id = $1 FOR UPDATE", [jobId]);
    let held = true;
    const release = async () => {
      if (!held) return;
      held = false;
      await client.query("ROLLBACK");
      client.release();
    };
    holds.push(release);
    return { client, release };
  }

  /** Whether some session waits for a row lock on a statement matching `pattern`. */
  const waiting = (pattern: string) => async () => {
    const { rows } = await (pool as pg.Pool).query(
      "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1",
      [pattern],
    );
    return rows.length > 0;
  };

  /** The ids among `jobIds` whose rows another session holds right now. */
  async function lockedNow(jobIds: readonly string[]): Promise<string[]> {
    const locked: string[] = [];
    const client = await (pool as pg.Pool).connect();
    try {
      for (const jobId of jobIds) {
        await client.query("BEGIN");
        try {
          await client.query("SELECT 1 FROM ratchet_jobs WHERE job_id = $1 FOR UPDATE NOWAIT", [
            jobId,
          ]);
        } catch (error) {
          if ((error as { code?: string }).code !== "55P03") throw error;
          locked.push(jobId);
        } finally {
          await client.query("ROLLBACK");
        }
      }
    } finally {
      client.release();
    }
    return locked;
  }

  it("a heartbeat waiting for the lowest job_id holds none of the others", async () => {
    const { t, clock, jobs, lowest } = await heldJobs();
    const ids = jobs.map((job) => job.jobId);
    const hold = await holdRow(lowest);
    const beat = t.jobTransport.renewLeases(shuffled(ids, 3), "w0", 600_000, clock.now());
    await waitFor("the heartbeat to wait", waiting("%locked_until%"));
    const others = ids.filter((id) => id !== lowest);
    expect(await lockedNow(others)).toEqual([]);
    await hold.release();
    expect((await beat).renewed).toHaveLength(RUNS);
  }, 60_000);

  it("a batch of completions waiting for the lowest job_id holds none of its other jobs", async () => {
    const { t, jobs, lowest } = await heldJobs();
    const hold = await holdRow(lowest);
    const executed = Promise.all(
      shuffled(jobs, 5).map((job) =>
        t.kernel.dispatch({ type: "job.execute", workerId: "w0", job }),
      ),
    );
    await waitFor("a completion batch to wait", waiting("%jsonb_to_recordset%"));
    // Every batch without the held job commits; what stays RUNNING is the waiting batch's.
    let stillRunning: string[] = [];
    await waitFor("the other batches to commit", async () => {
      const { rows } = await (pool as pg.Pool).query(
        "SELECT job_id FROM ratchet_jobs WHERE status = 'RUNNING' AND job_id <> $1",
        [lowest],
      );
      const now = rows.map((row) => row.job_id as string);
      const settled = now.length === stillRunning.length;
      stillRunning = now;
      return settled;
    });
    expect(stillRunning.length, "jobs batched with the held one").toBeGreaterThan(0);
    expect(await lockedNow(stillRunning)).toEqual([]);
    await hold.release();
    const results = await executed;
    expect(results.map((r) => r.outcome)).toEqual(results.map(() => "completed"));
  }, 60_000);

  it("a heartbeat waits for a held job holding none of its others: the holder may ask for them", async () => {
    const { t, clock, jobs, lowest } = await heldJobs();
    const ids = jobs.map((job) => job.jobId);
    const highest = [...ids].sort().at(-1) as string;
    const hold = await holdRow(highest);
    const beat = t.jobTransport.renewLeases(shuffled(ids, 7), "w0", 600_000, clock.now());
    await waitFor("the heartbeat to wait", waiting("%locked_until%"));
    // The session holding the highest job_id now asks for the lowest: had the heartbeat locked
    // the lowest and then waited for the highest, this would deadlock (40P01, one of the two
    // statements failed after deadlock_timeout).
    await hold.client.query("UPDATE ratchet_jobs SET updated_at = updated_at WHERE job_id = $1", [
      lowest,
    ]);
    await hold.release();
    const result = await beat;
    expect(result.lost).toEqual([]);
    expect(result.renewed).toHaveLength(RUNS);
  }, 60_000);

  it("a completion with refill takes its job's lock before it leases any queued job", async () => {
    const { t, jobs, lowest } = await heldJobs();
    for (let i = 0; i < 5; i++)
      await t.kernel.dispatch({ type: "run.create", workflowId: single.id, input: { n: 100 + i } });
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "w1", maxClaims: 5 });
    const { rows } = await (pool as pg.Pool).query(
      "SELECT job_id FROM ratchet_jobs WHERE status = 'PENDING'",
    );
    const queued = rows.map((row) => row.job_id as string);
    expect(queued).toHaveLength(5);
    const hold = await holdRow(lowest);
    const executed = t.kernel.dispatch({
      type: "job.execute",
      workerId: "w0",
      job: jobs.find((job) => job.jobId === lowest) as (typeof jobs)[number],
      continueWith: 1,
      refillFromQueue: true,
    });
    await waitFor("the completion to wait", waiting("%jsonb_to_recordset%"));
    // A queued job the refill locked before the completion waits would be a lock it holds while
    // waiting: a job leased to this worker meanwhile stays locked even when the pick skips it.
    expect(await lockedNow(queued)).toEqual([]);
    await hold.release();
    const result = await executed;
    expect(result.outcome).toBe("completed");
    const next = result.outcome === "completed" ? (result.next ?? []) : [];
    expect(next.map((job) => job.jobId).filter((id) => queued.includes(id))).toHaveLength(1);
  }, 60_000);
});
