/**
 * Lock order on the real PostgreSQL server: a worker's heartbeat (`renewLeases` over every job
 * it holds) and its batched stage completions (which settle several of its jobs in one
 * statement) take the jobs' row locks in one order, job_id, so they cannot deadlock. The crash
 * test found the deadlock (PostgreSQL failed a heartbeat with 40P01) about once in 8 minutes;
 * these tests check the order itself, deterministically: another session holds the lowest
 * job_id's row, and while a statement waits for it, every other job of the statement must still
 * be free (a statement that took them first is what deadlocks with one that goes in order).
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
    return { release };
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
});
