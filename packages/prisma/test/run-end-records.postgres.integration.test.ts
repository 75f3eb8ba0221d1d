/**
 * PostgreSQL's run-end notice carries the ended run's record (migration 0018, ADR 0011): a
 * waiter in another stack resolves without reading the run again, with exactly the record
 * `getRun` returns after the commit — for a completion (through the batched stage committer)
 * with its output and a failure with its error, and for a transaction that writes the run again
 * after ending it (the final write, not the one that ended it). A record too big for a notice
 * is named by its id, and the waiter reads it. Across a rolling deploy: a new waiter under the
 * old trigger (id payloads) still resolves from the notice, and an old waiter (taking the
 * payload for an id) under the new trigger resolves through its poll.
 */
import { defineStage, defineWorkflow, NonRetryableError, type RunRecord } from "@ratchet/kernel";
import { FakeClock } from "@ratchet/kernel/testing";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { PrismaStack } from "../src/index.js";
import { LocalRunEnds, RUN_ENDED_CHANNEL } from "../src/sql/run-ends.js";
import { awaitRunResultOver, pollingRunEnds } from "../src/stacks/await-run.js";
import { openWaiterStack } from "./support/run-ends-suite.js";
import { useStack } from "./support/stacks.js";
import { kernelOver } from "./support/test-kernels.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const Input = z.object({ n: z.number(), padBytes: z.number(), fail: z.boolean() });
const Output = z.object({ n: z.number(), pad: z.string() });
const grow = defineStage({
  id: "grow",
  name: "Grow",
  schemas: { input: Input, output: Output },
  execute: (ctx) => {
    if (ctx.input.fail) throw new NonRetryableError("failed on purpose");
    return { n: ctx.input.n + 1, pad: "x".repeat(ctx.input.padBytes) };
  },
});
const growing = defineWorkflow({ id: "growing", name: "Growing", input: Input, output: Output })
  .pipe(grow)
  .build();

const harness = useStack("postgresql", "run_end_records");

/** Starts a run of `growing`; `runToEnd` runs it to its end in this (the writer's) stack. */
async function start(input: z.infer<typeof Input>) {
  const t = kernelOver(harness().stack, [growing], new FakeClock(), "writer");
  const { workflowRunId } = await t.kernel.dispatch({
    type: "run.create",
    workflowId: "growing",
    input,
  });
  return { workflowRunId, runToEnd: () => t.driver.runToCompletion(workflowRunId) };
}

/** What a waiter stack's source tells: each notice's run id and record. */
function listen(waiter: PrismaStack) {
  const heard: Array<{ runId: string | undefined; run: RunRecord | undefined }> = [];
  const stop = waiter.runEnds.subscribe((runId, run) => heard.push({ runId, run }));
  const of = (runId: string) => heard.filter((notice) => notice.runId === runId);
  return { heard, of, stop };
}

/** Awaits `runId` in `waiter`, counting the reads of the run it makes. */
function awaitCounting(waiter: PrismaStack, runId: string) {
  let reads = 0;
  const getRun = (id: string) => {
    reads++;
    return waiter.persistence.getRun(id);
  };
  const result = awaitRunResultOver({ getRun }, waiter.runEnds, runId, { timeoutMs: 20_000 });
  return { result, reads: () => reads };
}

/** The run as `getRun` reads it now (from the writer's stack). */
async function committed(runId: string): Promise<RunRecord> {
  const run = await harness().stack.persistence.getRun(runId);
  if (!run) throw new Error(`no run ${runId}`);
  return run;
}

describe("run-end notices with the ended run's record (PostgreSQL)", () => {
  it("hands a completed run's record, as getRun reads it, so the waiter reads the run once", async () => {
    const waiter = await openWaiterStack("postgresql", harness().location);
    const notices = listen(waiter);
    try {
      const run = await start({ n: 1, padBytes: 10, fail: false });
      const awaited = awaitCounting(waiter, run.workflowRunId);
      await run.runToEnd();
      const result = await awaited.result;
      expect(result.status).toBe("COMPLETED");
      const final = await committed(run.workflowRunId);
      expect(final.output).toEqual({ n: 2, pad: "x".repeat(10) });
      expect(result.run).toStrictEqual(final);
      const [notice] = notices.of(run.workflowRunId);
      expect(notice?.run).toStrictEqual(final);
      // The first read (before the run ended) only: the notice's record ended the wait.
      expect(awaited.reads()).toBe(1);
    } finally {
      notices.stop();
      await waiter.close();
    }
  });

  it("hands a failed run's record with its error, as getRun reads it", async () => {
    const waiter = await openWaiterStack("postgresql", harness().location);
    const notices = listen(waiter);
    try {
      const run = await start({ n: 1, padBytes: 0, fail: true });
      const awaited = awaitCounting(waiter, run.workflowRunId);
      await run.runToEnd();
      const result = await awaited.result;
      expect(result.status).toBe("FAILED");
      const final = await committed(run.workflowRunId);
      expect(final.error?.message).toContain("failed on purpose");
      expect(result.run).toStrictEqual(final);
      expect(notices.of(run.workflowRunId)[0]?.run).toStrictEqual(final);
      expect(awaited.reads()).toBe(1);
    } finally {
      notices.stop();
      await waiter.close();
    }
  });

  it("hands the run's final record when the transaction that ended it writes it again", async () => {
    const waiter = await openWaiterStack("postgresql", harness().location);
    const notices = listen(waiter);
    try {
      const { workflowRunId } = await start({ n: 1, padBytes: 0, fail: false });
      const unwatch = await waiter.runEnds.watch?.(workflowRunId);
      const before = await committed(workflowRunId);
      const now = new Date(before.updatedAt.getTime() + 1_000);
      await harness().stack.persistence.withTransaction(async (tx) => {
        await tx.updateRun(
          workflowRunId,
          { status: "COMPLETED", output: { n: 2, pad: "" }, completedAt: now },
          { expectedVersion: before.version, now },
        );
        // After the end, in the same transaction: a plain row trigger's NEW misses this.
        await tx.updateRun(
          workflowRunId,
          { metadata: { written: "after the end" }, eventSeq: before.eventSeq + 7 },
          { expectedVersion: before.version + 1, now },
        );
      });
      for (let i = 0; i < 300 && notices.of(workflowRunId).length === 0; i++) await sleep(10);
      const final = await committed(workflowRunId);
      expect(final.version).toBe(before.version + 2);
      expect(final.metadata).toEqual({ written: "after the end" });
      expect(notices.of(workflowRunId)).toHaveLength(1);
      expect(notices.of(workflowRunId)[0]?.run).toStrictEqual(final);
      await unwatch?.();
    } finally {
      notices.stop();
      await waiter.close();
    }
  });

  it("names a run whose record does not fit in a notice by its id, and the waiter reads it", async () => {
    const waiter = await openWaiterStack("postgresql", harness().location);
    const notices = listen(waiter);
    try {
      const run = await start({ n: 1, padBytes: 9_000, fail: false });
      const awaited = awaitCounting(waiter, run.workflowRunId);
      await run.runToEnd();
      const result = await awaited.result;
      const final = await committed(run.workflowRunId);
      expect(result.run).toStrictEqual(final);
      expect(notices.of(run.workflowRunId)).toEqual([{ runId: run.workflowRunId, run: undefined }]);
      expect(awaited.reads()).toBe(2);
    } finally {
      notices.stop();
      await waiter.close();
    }
  });

  it("still resolves from the notice under the old trigger, whose payload is the run id", async () => {
    const { stack } = harness();
    const [saved] = await stack.prisma.$queryRawUnsafe<{ definition: string }[]>(
      `SELECT pg_get_functiondef('ratchet_notify_run_ended'::regproc) AS definition`,
    );
    if (!saved) throw new Error("no ratchet_notify_run_ended function");
    // The function of migration 0017 (the trigger stays deferred; only the payload matters).
    await stack.prisma.$executeRawUnsafe(
      `CREATE OR REPLACE FUNCTION "ratchet_notify_run_ended"() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM "ratchet_run_waiters" WHERE "run_id" = NEW."id") THEN
           PERFORM pg_notify('ratchet_run_ended', NEW."id");
         END IF;
         RETURN NULL;
       END
       $$`,
    );
    const waiter = await openWaiterStack("postgresql", harness().location);
    const notices = listen(waiter);
    try {
      const run = await start({ n: 1, padBytes: 0, fail: false });
      const awaited = awaitCounting(waiter, run.workflowRunId);
      await run.runToEnd();
      expect((await awaited.result).run).toStrictEqual(await committed(run.workflowRunId));
      expect(notices.of(run.workflowRunId)).toEqual([{ runId: run.workflowRunId, run: undefined }]);
      expect(awaited.reads()).toBe(2);
    } finally {
      notices.stop();
      await waiter.close();
      await stack.prisma.$executeRawUnsafe(saved.definition);
    }
  });

  it("leaves an old waiter, which takes the payload for a run id, to its poll", async () => {
    // The old listener: every payload is a run id.
    const oldLocal = new LocalRunEnds();
    const client = new pg.Client({ connectionString: harness().location });
    await client.connect();
    client.on("notification", (message) => {
      if (message.payload) oldLocal.emit(message.payload);
    });
    await client.query(`LISTEN ${RUN_ENDED_CHANNEL}`);
    const payloads: string[] = [];
    client.on("notification", (message) => payloads.push(message.payload ?? ""));
    const oldRunEnds = pollingRunEnds(oldLocal, () => {}, 200);
    const waiter = await openWaiterStack("postgresql", harness().location);
    try {
      const run = await start({ n: 1, padBytes: 0, fail: false });
      const unwatch = await waiter.runEnds.watch?.(run.workflowRunId);
      const awaited = awaitRunResultOver(
        harness().stack.persistence,
        oldRunEnds,
        run.workflowRunId,
        { timeoutMs: 20_000 },
      );
      await run.runToEnd();
      expect((await awaited).status).toBe("COMPLETED");
      expect(payloads.length).toBeGreaterThan(0);
      expect(payloads).not.toContain(run.workflowRunId);
      await unwatch?.();
    } finally {
      oldRunEnds.close();
      await client.end();
      await waiter.close();
    }
  });
});
