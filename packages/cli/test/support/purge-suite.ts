/**
 * `ratchet purge` in process (`main()`) on a real database: finished runs that ended before
 * --older-than go with their stages, jobs, events, logs and blobs; younger, running and pending
 * runs and other statuses stay; --dry-run counts and deletes nothing; bad usage exits 2.
 * Registered by the SQLite and PostgreSQL test files.
 */
import {
  createKernel,
  createRegistry,
  defineStage,
  defineWorkflow,
  type Kernel,
  NonRetryableError,
} from "@ratchet/kernel";
import { createDriver, type Driver } from "@ratchet/kernel/testing";
import type { PrismaStack } from "@ratchet/prisma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { main } from "../../src/main.js";
import type { CliTestDatabase, CreateCliTestDatabase } from "./databases.js";
import { fakeIo } from "./fake-stream.js";

const DAY = 86_400_000;

const write = defineStage({
  id: "write",
  name: "Write",
  schemas: { input: z.object({ fail: z.boolean() }), output: z.object({ text: z.string() }) },
  execute: (ctx) => {
    ctx.log.info("writing");
    if (ctx.input.fail) throw new NonRetryableError("no");
    return { text: "x".repeat(20_000) }; // over the inline limit: stored as a blob
  },
});
const report = defineWorkflow({
  id: "report",
  name: "Report",
  input: z.object({ fail: z.boolean() }),
  output: z.object({ text: z.string() }),
})
  .pipe(write)
  .build();

/** Registers the suite on the database `createDatabase` makes (one for the whole file). */
export function purgeSuite(name: string, createDatabase: CreateCliTestDatabase): void {
  describe(name, () => {
    let db: CliTestDatabase;
    let stack: PrismaStack;
    let kernel: Kernel;
    let driver: Driver;

    const cli = async (...args: string[]) => {
      const io = fakeIo();
      const code = await main([...args, "--database-url", db.url], io);
      return { code, stdout: io.stdout.text, stderr: io.stderr.text };
    };
    const finished = async (fail = false) => {
      const { workflowRunId } = await kernel.dispatch({
        type: "run.create",
        workflowId: "report",
        input: { fail },
      });
      await driver.runToCompletion(workflowRunId);
      await driver.tick(); // publish its events
      return workflowRunId;
    };
    /** Moves a run's end `days` into the past. */
    const endedAgo = async (runId: string, days: number) => {
      await stack.persistence.updateRun(
        runId,
        { completedAt: new Date(Date.now() - days * DAY) },
        { now: new Date() },
      );
    };
    const exists = async (runId: string) => (await stack.persistence.getRun(runId)) !== null;

    beforeAll(async () => {
      db = await createDatabase();
      stack = await db.open();
      kernel = createKernel({
        ...stack,
        eventSink: { emit: async () => {} },
        registry: createRegistry([report]),
      });
      driver = createDriver({
        kernel,
        jobTransport: stack.jobTransport,
        persistence: stack.persistence,
        clock: { now: () => new Date(), advance: () => {} },
      });
    });
    afterAll(async () => {
      await stack?.close();
      await db?.cleanup();
    });

    it("deletes what ended before --older-than, by status, with everything it owns", async () => {
      const [oldA, oldB, young] = [await finished(), await finished(), await finished()];
      const oldFailed = await finished(true);
      const pending = (
        await kernel.dispatch({ type: "run.create", workflowId: "report", input: { fail: false } })
      ).workflowRunId;
      for (const id of [oldA, oldB, oldFailed]) await endedAgo(id, 40);
      await endedAgo(young, 10);
      expect(await stack.blobStore.list(`runs/${oldA}/`)).toHaveLength(1);
      expect(await stack.queries.listJobs(oldA)).toHaveLength(1);

      const dry = await cli("purge", "--older-than", "30d", "--dry-run", "--json");
      expect(dry.code).toBe(0);
      expect(JSON.parse(dry.stdout)).toMatchObject({
        dryRun: true,
        matched: 3,
        statuses: [
          "COMPLETED",
          "FAILED",
          "CANCELLED",
          "TIMED_OUT",
          "COMPENSATED",
          "COMPENSATION_FAILED",
        ],
        workflowId: null,
      });
      for (const id of [oldA, oldB, oldFailed]) expect(await exists(id)).toBe(true);

      const completed = await cli(
        "purge",
        "--older-than",
        "30d",
        "--status",
        "completed",
        "--batch",
        "1",
        "--json",
      );
      expect(completed.code).toBe(0);
      expect(JSON.parse(completed.stdout)).toMatchObject({
        dryRun: false,
        statuses: ["COMPLETED"],
        purged: 2,
        jobsDeleted: 2,
        blobsDeleted: 2,
        batches: 3,
      });
      for (const id of [oldA, oldB]) {
        expect(await exists(id)).toBe(false);
        expect(await stack.blobStore.list(`runs/${id}/`)).toEqual([]);
        expect(await stack.queries.listJobs(id)).toEqual([]);
        expect(await stack.queries.listLogs(id)).toEqual([]);
        expect(await stack.queries.listEvents(id)).toEqual([]);
      }
      for (const id of [young, oldFailed, pending]) expect(await exists(id)).toBe(true);
      expect(await stack.blobStore.list(`runs/${young}/`)).toHaveLength(1);

      const rest = await cli("purge", "--older-than", "720h", "--workflow", "report", "--no-color");
      expect(rest.stdout).toMatch(
        /^purged 1 run \(completed\/failed\/cancelled\/timed_out\/compensated\/compensation_failed runs of report that ended before \S+Z\) with 1 job and 0 blobs in [\d.]+ s/,
      );
      expect(await exists(oldFailed)).toBe(false);
      const none = await cli("purge", "--older-than", "30d", "--no-color");
      expect(none.stdout).toMatch(/^nothing to purge: no /);
      expect((await cli("purge", "--older-than", "1d", "--quiet", "--dry-run")).stdout).toBe("1\n");
      for (const id of [young, pending]) expect(await exists(id)).toBe(true);
    });

    it("refuses a missing or malformed --older-than, an unknown --status and a bad --batch (exit 2)", async () => {
      for (const args of [
        ["purge"],
        ["purge", "--older-than", "1y"],
        ["purge", "--older-than", "30d", "--status", "running"],
        ["purge", "--older-than", "30d", "--batch", "0"],
      ]) {
        const result = await cli(...args);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/--older-than|--status|--batch/);
      }
    });
  });
}
