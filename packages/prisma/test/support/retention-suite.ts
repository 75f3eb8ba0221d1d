/**
 * `runs.purge` through the kernel on a Prisma stack: a finished run goes with its stages, its jobs
 * (deleted in the same transaction: the job queue shares the database), its events, logs and its
 * blobs (outputs and `ctx.storage`, in the database blob store); a young run stays. On PostgreSQL,
 * a run another transaction holds locked is skipped, not waited for.
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { createTestKernel, FakeClock } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { DatabaseProvider } from "../../src/provider.js";
import { useStack } from "./stacks.js";

const DAY = 86_400_000;

const write = defineStage({
  id: "write",
  name: "Write",
  schemas: { input: z.object({ tag: z.string() }), output: z.object({ text: z.string() }) },
  execute: async (ctx) => {
    ctx.log.info("writing");
    await ctx.storage.put("note.txt", new TextEncoder().encode(ctx.input.tag));
    return { text: ctx.input.tag.repeat(100) };
  },
});
const docs = defineWorkflow({
  id: "docs",
  name: "Docs",
  input: z.object({ tag: z.string() }),
  output: z.object({ text: z.string() }),
  retention: { completed: "30d" },
})
  .pipe(write)
  .build();

/** Registers the retention tests for `provider`. */
export function registerRetentionSuite(provider: DatabaseProvider): void {
  const harness = useStack(provider, `retention_${provider}`);

  function kernel() {
    const { stack } = harness();
    return createTestKernel({
      workflows: [docs],
      persistence: stack.persistence,
      jobTransport: stack.jobTransport,
      scheduler: stack.scheduler,
      blobStore: stack.blobStore,
      queries: stack.queries,
      clock: new FakeClock(new Date("2026-02-01T00:00:00Z")),
      options: { inlineOutputLimitBytes: 64 },
    });
  }

  async function count(table: string, runId: string): Promise<number> {
    const [row] = await harness().reader.read(
      `SELECT count(*) AS n FROM ${table} WHERE run_id = '${runId}'`,
    );
    return Number(row?.n);
  }

  describe(`runs.purge on ${provider}`, () => {
    it("deletes an old finished run with its stages, jobs, events, logs and blobs; keeps a young one", async () => {
      await harness().truncate();
      const t = kernel();
      const finish = async (tag: string) => {
        const { workflowRunId } = await t.kernel.dispatch({
          type: "run.create",
          workflowId: "docs",
          input: { tag },
        });
        await t.driver.runToCompletion(workflowRunId);
        await t.driver.tick();
        return workflowRunId;
      };
      const old = await finish("old");
      t.clock.advance(20 * DAY);
      const young = await finish("young");
      for (const table of ["ratchet_stages", "ratchet_jobs", "ratchet_outbox", "ratchet_logs"])
        expect(await count(table, old)).toBeGreaterThan(0);
      expect(await t.blobStore.list(`runs/${old}/`)).toHaveLength(2);

      t.clock.advance(15 * DAY); // old ended 35 days ago, young 15
      const sweep = await t.kernel.dispatch({ type: "runs.purge" });
      expect(sweep).toMatchObject({ runIds: [old], blobsDeleted: 2, more: false });
      expect(sweep.jobsDeleted).toBeGreaterThan(0);
      expect(await t.persistence.getRun(old)).toBeNull();
      for (const table of ["ratchet_stages", "ratchet_jobs", "ratchet_outbox", "ratchet_logs"])
        expect(await count(table, old)).toBe(0);
      expect(await t.blobStore.list(`runs/${old}/`)).toEqual([]);
      expect(await t.blobStore.list(`runs/${young}/`)).toHaveLength(2);
      expect(await count("ratchet_jobs", young)).toBeGreaterThan(0);
    });

    if (provider === "postgresql")
      it("deletes the waiter rows an awaiting caller that died left for a purged run", async () => {
        await harness().truncate();
        const t = kernel();
        const { workflowRunId: old } = await t.kernel.dispatch({
          type: "run.create",
          workflowId: "docs",
          input: { tag: "old" },
        });
        await t.driver.runToCompletion(old);
        await t.driver.tick();
        // `awaitRunResult` lists its run here while it waits and unlists it when it returns; a
        // process killed while waiting leaves the row behind.
        await harness().reader.read(
          `INSERT INTO ratchet_run_waiters (run_id, waiter_id, since) VALUES ($1, 'dead-waiter', now())`,
          [old],
        );
        t.clock.advance(35 * DAY);
        const sweep = await t.kernel.dispatch({ type: "runs.purge" });
        expect(sweep.runIds).toEqual([old]);
        expect(await count("ratchet_run_waiters", old)).toBe(0);
      });

    if (provider === "postgresql")
      it("skips a run another transaction holds locked instead of waiting for it", async () => {
        await harness().truncate();
        const t = kernel();
        const ids: string[] = [];
        for (const tag of ["a", "b"]) {
          const { workflowRunId } = await t.kernel.dispatch({
            type: "run.create",
            workflowId: "docs",
            input: { tag },
          });
          await t.driver.runToCompletion(workflowRunId);
          ids.push(workflowRunId);
        }
        await t.driver.tick();
        t.clock.advance(40 * DAY);
        const other = await harness().open();
        let release!: () => void;
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        let locked!: () => void;
        const isLocked = new Promise<void>((resolve) => {
          locked = resolve;
        });
        const holder = other.persistence.withTransaction(async (tx) => {
          await tx.getRun(ids[0] as string, { forUpdate: true });
          locked();
          await held;
        });
        await isLocked;
        const first = await t.kernel.dispatch({ type: "runs.purge", olderThanMs: DAY });
        expect(first.runIds).toEqual([ids[1]]);
        release();
        await holder;
        const second = await t.kernel.dispatch({ type: "runs.purge", olderThanMs: DAY });
        expect(second.runIds).toEqual([ids[0]]);
      });
  });
}
