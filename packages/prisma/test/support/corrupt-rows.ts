/**
 * Corrupt rows: invalid JSON, or JSON of the wrong kind, written straight into one run's
 * columns with raw SQL. Reading that run fails with `CORRUPT_ROW` naming the table, column and
 * row (never a bare `SyntaxError`); executing its stages fails with that error and writes
 * nothing; other runs on the same database keep completing.
 */
import { defineStage, defineWorkflow, RatchetError } from "@ratchet/kernel";
import { createTestKernel, FakeClock, type TestKernel } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CorruptRowError } from "../../src/index.js";
import type { DatabaseProvider } from "../../src/provider.js";
import { type StackHarness, useStack } from "./stacks.js";

const T0 = new Date("2026-01-01T00:00:00Z");

const N = z.object({ n: z.number() });
const first = defineStage({
  id: "first",
  name: "First",
  schemas: { input: N, output: N },
  execute: (ctx) => ({ n: ctx.input.n + 1 }),
});
const second = defineStage({
  id: "second",
  name: "Second",
  schemas: { input: N, output: N },
  execute: (ctx) => ({ n: ctx.input.n * 10 }),
});
const workflow = defineWorkflow({ id: "two", name: "Two", input: N, output: N })
  .pipe(first)
  .pipe(second)
  .build();

/** Writes `value` into `table.column` of the row whose `key` column is `id`, bypassing the adapters. */
async function corrupt(
  h: StackHarness,
  table: string,
  column: string,
  value: string | null,
  where: { key: string; id: string },
): Promise<void> {
  const p = (n: number) => (h.provider === "postgresql" ? `$${n}` : "?");
  const changed = await h.stack.prisma.$executeRawUnsafe(
    `UPDATE ${table} SET ${column} = ${p(1)} WHERE ${where.key} = ${p(2)}`,
    value,
    where.id,
  );
  expect(changed).toBe(1);
}

/** One column's raw text, to put back after the case. */
async function rawValue(
  h: StackHarness,
  table: string,
  column: string,
  where: { key: string; id: string },
): Promise<string | null> {
  const [row] = await h.reader.read(`SELECT ${column} AS v FROM ${table} WHERE ${where.key} = $1`, [
    where.id,
  ]);
  return (row?.v as string | null) ?? null;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function expectCorrupt(error: unknown, table: string, column: string, rowId: string): void {
  expect(error).toBeInstanceOf(CorruptRowError);
  expect(error).toBeInstanceOf(RatchetError);
  expect(error).toMatchObject({ code: "CORRUPT_ROW", table, column, rowId, field: column });
  expect((error as Error).message).toContain(`${table}.${column}`);
}

function kernelOn(h: StackHarness): TestKernel {
  return createTestKernel({
    workflows: [workflow],
    persistence: h.stack.persistence,
    jobTransport: h.stack.jobTransport,
    scheduler: h.stack.scheduler,
    blobStore: h.stack.blobStore,
    clock: new FakeClock(T0),
  });
}

async function create(t: TestKernel, n: number): Promise<string> {
  const { workflowRunId } = await t.kernel.dispatch({
    type: "run.create",
    workflowId: "two",
    input: { n },
  });
  return workflowRunId;
}

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

/** Registers the corrupt-row tests for `provider`. */
export function registerCorruptRows(provider: DatabaseProvider): void {
  const harness = useStack(provider, `corrupt_rows_${provider}`);

  describe(`corrupt rows on ${provider}`, () => {
    it("reading a corrupt JSON column fails with CORRUPT_ROW naming table, column and row; other runs read fine", async () => {
      const h = harness();
      await h.truncate();
      const t = kernelOn(h);
      const a = await create(t, 1);
      const b = await create(t, 2);
      await t.driver.drain();
      const stage = await h.stack.persistence.getStage(a, "first");
      const [job] = await h.reader.read("SELECT job_id FROM ratchet_jobs WHERE run_id = $1", [a]);
      const stageId = stage?.id as string;
      const jobId = job?.job_id as string;
      const runKey = { key: "id", id: a };
      const stageKey = { key: "id", id: stageId };

      const persistence = h.stack.persistence;
      const cases: Array<{
        table: string;
        column: string;
        value: string;
        where: { key: string; id: string };
        rowId: string;
        read: () => Promise<unknown>;
      }> = [
        ...(
          [
            ["input", "{not json"],
            ["config", "[1, 2]"],
            ["metadata", "null"],
            ["control", "42"],
            ["output", '{"n": '],
            ["error", "undefined"],
          ] as const
        ).map(([column, value]) => ({
          table: "ratchet_runs",
          column,
          value,
          where: runKey,
          rowId: a,
          read: () => persistence.getRun(a),
        })),
        ...(
          [
            ["output_ref", "{"],
            ["suspended_state", "'single quotes'"],
            ["poll_config", "{,}"],
            ["progress", "NaN"],
            ["error", "{"],
          ] as const
        ).map(([column, value]) => ({
          table: "ratchet_stages",
          column,
          value,
          where: stageKey,
          rowId: stageId,
          read: () => persistence.listStages(a),
        })),
        {
          table: "ratchet_stages",
          column: "output",
          value: '{"n": 2',
          where: stageKey,
          rowId: stageId,
          read: () => persistence.getStageOutputs([{ runId: a, stageId: "first" }]),
        },
        {
          table: "ratchet_jobs",
          column: "payload",
          value: '"a string"',
          where: { key: "job_id", id: jobId },
          rowId: jobId,
          read: () => h.stack.jobTransport.getJob(jobId),
        },
      ];
      const events = await persistence.listOutboxEvents(a);
      const event = events[0];
      if (event) {
        cases.push({
          table: "ratchet_outbox",
          column: "payload",
          value: "[",
          where: { key: "id", id: event.id },
          rowId: event.id,
          read: () => persistence.listOutboxEvents(a),
        });
      }
      expect(cases.length).toBe(14);

      const otherBefore = await persistence.getRun(b);
      for (const c of cases) {
        const original = await rawValue(h, c.table, c.column, c.where);
        await corrupt(h, c.table, c.column, c.value, c.where);
        try {
          expectCorrupt(await rejection(c.read()), c.table, c.column, c.rowId);
          // The other run, on the same tables, is unaffected.
          expect(await persistence.getRun(b)).toEqual(otherBefore);
          expect((await persistence.listStages(b)).map((s) => s.status)).toEqual([
            "COMPLETED",
            "COMPLETED",
          ]);
        } finally {
          await corrupt(h, c.table, c.column, original, c.where);
        }
      }
      // Put back, the run reads as before.
      expect((await persistence.getRun(a))?.output).toEqual({ n: 20 });
    });

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
      expect(events.map((e) => [e.type, Number(e.sequence)])).toEqual([
        ["workflow.created", 1],
        ["workflow.failed", 2],
      ]);
      // No job was queued for the broken run; the others run to completion.
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
  });
}
