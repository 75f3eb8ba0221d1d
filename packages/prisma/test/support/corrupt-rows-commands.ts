/**
 * Corrupt rows, met by commands: `job.execute` and `run.claimPending` fail the corrupt run with
 * `CORRUPT_ROW` and write nothing to its stages, a corrupt job is failed at dequeue, a corrupt
 * event dead-lettered, and listings and `lease.reapStale` go on past a corrupt run; the other
 * runs on the same database complete.
 */
import type { TestKernel } from "@ratchet/kernel/testing";
import { expect, it } from "vitest";
import { corrupt, create, kernelOn } from "./corrupt-rows-fixture.js";
import type { StackHarness } from "./stacks.js";

/**
 * What a host's worker loop does: claim, dequeue, execute each job on its own (an error is
 * that job's, not the loop's), publish. Returns the errors the jobs raised.
 */
async function workerTick(t: TestKernel, errors: unknown[]): Promise<void> {
  await t.kernel.dispatch({ type: "run.claimPending", workerId: "w", maxClaims: 10 });
  const jobs = await t.jobTransport.dequeue({
    workerId: "w",
    limit: 10,
    leaseMs: 30_000,
    now: t.clock.now(),
  });
  for (const job of jobs) {
    try {
      await t.kernel.dispatch({ type: "job.execute", workerId: "w", job });
    } catch (error) {
      errors.push(error);
    }
  }
  await t.kernel.dispatch({ type: "outbox.flush", workerId: "w" });
}

/** Registers the tests of commands that meet a corrupt row. */
export function commandTests(harness: () => StackHarness): void {
  it("job.execute of a run with a corrupt row fails the run with CORRUPT_ROW, leaves its stages alone, and other runs complete", async () => {
    const h = harness();
    await h.truncate();
    const t = kernelOn(h);
    const bad = await create(t, 1);
    const badOutput = await create(t, 2);
    const good = [await create(t, 3), await create(t, 4), await create(t, 5)];
    // Run the first stage of every run, then break two runs in two different places.
    await workerTick(t, []);
    expect((await h.stack.persistence.getStage(badOutput, "first"))?.status).toBe("COMPLETED");
    await corrupt(h, "ratchet_runs", "metadata", "{oops", { key: "id", id: bad });
    const firstOfBadOutput = await h.stack.persistence.getStage(badOutput, "first");
    await corrupt(h, "ratchet_stages", "output", "[[", {
      key: "id",
      id: firstOfBadOutput?.id as string,
    });
    const stagesOf = (runId: string) =>
      h.reader.read(
        "SELECT stage_id, status, attempt, error FROM ratchet_stages WHERE run_id = $1 ORDER BY stage_id",
        [runId],
      );
    const before = { bad: await stagesOf(bad), badOutput: await stagesOf(badOutput) };

    // Another worker (its own kernel, so no output cache holds what the first one wrote).
    const worker = kernelOn(h);
    const errors: unknown[] = [];
    for (let tick = 0; tick < 10; tick++) await workerTick(worker, errors);

    for (const id of good) {
      const run = await h.stack.persistence.getRun(id);
      expect(run?.status).toBe("COMPLETED");
    }
    // No job raised anything: each broken run was failed with the CORRUPT_ROW that names
    // the column, with a workflow.failed event, and its job failed for good.
    expect(errors.map((e) => String((e as Error).stack ?? e))).toEqual([]);
    for (const [id, column] of [
      [bad, "ratchet_runs.metadata"],
      [badOutput, "ratchet_stages.output"],
    ] as const) {
      const [row] = await h.reader.read("SELECT status, error FROM ratchet_runs WHERE id = $1", [
        id,
      ]);
      expect(row?.status).toBe("FAILED");
      expect(JSON.parse(String(row?.error))).toMatchObject({ code: "CORRUPT_ROW" });
      expect(String(row?.error)).toContain(column);
      const events = await h.reader.read(
        "SELECT type FROM ratchet_outbox WHERE run_id = $1 ORDER BY sequence DESC LIMIT 1",
        [id],
      );
      expect(events.map((e) => e.type)).toEqual(["workflow.failed"]);
      const jobs = await h.reader.read(
        "SELECT status, attempt FROM ratchet_jobs WHERE run_id = $1 AND stage_id = 'second'",
        [id],
      );
      expect(jobs.map((j) => [j.status, Number(j.attempt)])).toEqual([["FAILED", 1]]);
    }
    // Nothing was written for their stages.
    expect(await stagesOf(bad)).toEqual(before.bad);
    expect(await stagesOf(badOutput)).toEqual(before.badOutput);
  });

  it("a corrupt pending run is failed with CORRUPT_ROW when claimed; the claim serves the others", async () => {
    const h = harness();
    await h.truncate();
    const t = kernelOn(h);
    const bad = await create(t, 1);
    const others = [await create(t, 2), await create(t, 3)];
    await corrupt(h, "ratchet_runs", "input", "", { key: "id", id: bad });
    const claimed = await t.kernel.dispatch({
      type: "run.claimPending",
      workerId: "w",
      maxClaims: 10,
    });
    expect(claimed.claimed.map((c) => c.workflowRunId).sort()).toEqual([...others].sort());
    const [row] = await h.reader.read("SELECT status, error FROM ratchet_runs WHERE id = $1", [
      bad,
    ]);
    expect(row?.status).toBe("FAILED");
    expect(JSON.parse(String(row?.error))).toMatchObject({ code: "CORRUPT_ROW" });
    expect(String(row?.error)).toContain("ratchet_runs.input");
    const events = await h.reader.read(
      "SELECT type, sequence, payload FROM ratchet_outbox WHERE run_id = $1 ORDER BY sequence",
      [bad],
    );
    // PostgreSQL claims and starts in one statement (its run starter) before the row is
    // decoded: the run was started, then failed. SQLite fails it inside the claim.
    const started = h.provider === "postgresql" ? [["workflow.started", 2]] : [];
    expect(events.map((e) => [e.type, Number(e.sequence)])).toEqual([
      ["workflow.created", 1],
      ...started,
      ["workflow.failed", 2 + started.length],
    ]);
    // No job of the broken run is left to run; the others run to completion.
    const [active] = await h.reader.read(
      "SELECT count(*) AS n FROM ratchet_jobs WHERE run_id = $1 AND status IN ('PENDING', 'RUNNING')",
      [bad],
    );
    expect(Number(active?.n)).toBe(0);
    const errors: unknown[] = [];
    for (let tick = 0; tick < 10; tick++) await workerTick(t, errors);
    expect(errors).toEqual([]);
    for (const id of others)
      expect((await h.stack.persistence.getRun(id))?.status).toBe("COMPLETED");
  });

  it("a corrupt job or outbox row is failed or dead-lettered, not met by every dequeue and flush", async () => {
    const h = harness();
    await h.truncate();
    const t = kernelOn(h);
    const runs = [await create(t, 1), await create(t, 2), await create(t, 3)];
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "w", maxClaims: 10 });
    const [job] = await h.reader.read("SELECT job_id FROM ratchet_jobs WHERE run_id = $1", [
      runs[0],
    ]);
    await corrupt(h, "ratchet_jobs", "payload", "{broken", {
      key: "job_id",
      id: String(job?.job_id),
    });
    const [event] = await h.reader.read(
      "SELECT id FROM ratchet_outbox WHERE run_id = $1 AND sequence = 1",
      [runs[1]],
    );
    await corrupt(h, "ratchet_outbox", "payload", "[]", { key: "id", id: String(event?.id) });

    // Every job but the broken one is dequeued; the broken one is FAILED with the reason.
    const dequeued = await t.jobTransport.dequeue({
      workerId: "w",
      limit: 10,
      leaseMs: 30_000,
      now: t.clock.now(),
    });
    expect(dequeued.map((j) => j.workflowRunId).sort()).toEqual([runs[1], runs[2]].sort());
    const [failedJob] = await h.reader.read(
      "SELECT status, last_error FROM ratchet_jobs WHERE job_id = $1",
      [job?.job_id],
    );
    expect(failedJob?.status).toBe("FAILED");
    expect(String(failedJob?.last_error)).toContain("CORRUPT_ROW");
    for (const j of dequeued)
      await t.kernel.dispatch({ type: "job.execute", workerId: "w", job: j });
    // The unreadable event goes to the dead-letter queue; the others are published.
    const flushed = await t.kernel.dispatch({ type: "outbox.flush", workerId: "w" });
    expect(flushed.published).toBeGreaterThan(0);
    const [dead] = await h.reader.read(
      "SELECT dlq_at, last_error FROM ratchet_outbox WHERE id = $1",
      [event?.id],
    );
    expect(dead?.dlq_at).not.toBeNull();
    expect(String(dead?.last_error)).toContain("CORRUPT_ROW");
    // Listings leave the run out instead of failing: the run with the broken job is repaired
    // by run.reapStuck (its stage is enqueued again) once it has been idle long enough.
    await corrupt(h, "ratchet_runs", "config", "nope", { key: "id", id: runs[2] as string });
    const listed = await h.stack.persistence.listRuns({ limit: 10 });
    expect(listed.map((r) => r.id).sort()).toEqual([runs[0], runs[1]].sort());
    t.clock.advance(120_000);
    const repaired = await t.kernel.dispatch({ type: "run.reapStuck", stuckThresholdMs: 60_000 });
    expect(repaired.repaired.map((r) => r.workflowRunId)).toContain(runs[0]);
    const errors: unknown[] = [];
    for (let tick = 0; tick < 5; tick++) await workerTick(t, errors);
    expect((await h.stack.persistence.getRun(runs[0] as string))?.status).toBe("COMPLETED");
    expect((await h.stack.persistence.getRun(runs[1] as string))?.status).toBe("COMPLETED");
  });

  it("lease.reapStale skips a run it cannot read and still releases the other stale jobs", async () => {
    const h = harness();
    await h.truncate();
    const t = kernelOn(h);
    const bad = await create(t, 1);
    const good = await create(t, 2);
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "w", maxClaims: 10 });
    // Both jobs are on their last attempt and their worker is gone.
    await h.stack.prisma.$executeRawUnsafe("UPDATE ratchet_jobs SET max_attempts = 1");
    await t.jobTransport.dequeue({
      workerId: "gone",
      limit: 10,
      leaseMs: 1_000,
      now: t.clock.now(),
    });
    await corrupt(h, "ratchet_runs", "metadata", "{", { key: "id", id: bad });
    t.clock.advance(5_000);
    const reaped = await t.kernel.dispatch({ type: "lease.reapStale" });
    expect(reaped.failed).toBe(1);
    expect((await h.stack.persistence.getRun(good))?.status).toBe("FAILED");
  });
}
