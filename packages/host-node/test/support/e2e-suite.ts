/**
 * End-to-end tests of the Node host on a real database: several hosts in one process, hosts
 * in separate processes, and SIGTERM in the middle of a stage.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeValue } from "@ratchet/kernel";
import { createPostgresStack, createSqliteStack, type PrismaStack } from "@ratchet/prisma";
import { createSqliteFile } from "@ratchet/prisma/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeHost } from "../../src/index.js";
import { migratedPostgresDatabase } from "./databases.js";
import { startWorker, type Worker } from "./processes.js";
import { e2eKernel, readLedger, workload } from "./workload.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const quiet = { warn: () => {}, error: () => {} };

/** Waits (up to 30 s) until the ledger shows `count` executions of `stageId` started. */
async function untilStageStarted(
  ledgerFile: string,
  stageId: string,
  count: number,
  worker: Worker,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (
    readLedger(readFileSync(ledgerFile, "utf8")).filter((e) => e.stageId === stageId).length < count
  ) {
    if (Date.now() > deadline)
      throw new Error(`stage ${stageId} never started:\n${worker.output()}`);
    await sleep(50);
  }
}

/** Registers the end-to-end tests for `provider`. */
export function registerEndToEnd(provider: "sqlite" | "postgresql"): void {
  let target = "";
  let cleanup: () => Promise<void> = async () => {};
  let dir = "";
  const stacks: PrismaStack[] = [];

  const open = async () => {
    const stack =
      provider === "postgresql"
        ? await createPostgresStack({ url: target })
        : await createSqliteStack({ file: target });
    stacks.push(stack);
    return stack;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ratchet-e2e-"));
    if (provider === "postgresql") {
      const db = await migratedPostgresDatabase("host_e2e");
      target = db.url;
      cleanup = () => db.drop();
    } else {
      const db = createSqliteFile("host-e2e");
      target = db.file;
      cleanup = async () => db.cleanup();
    }
  });
  afterAll(async () => {
    for (const stack of stacks) await stack.close();
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  async function reset(stack: PrismaStack): Promise<string> {
    for (const table of [
      "ratchet_runs",
      "ratchet_stages",
      "ratchet_jobs",
      "ratchet_outbox",
      "ratchet_logs",
      "ratchet_blobs",
    ]) {
      await stack.prisma.$executeRawUnsafe(`DELETE FROM ${table}`);
    }
    const ledger = join(dir, `ledger-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
    writeFileSync(ledger, "");
    return ledger;
  }

  async function createRuns(stack: PrismaStack, count: number): Promise<string[]> {
    const kernel = e2eKernel(stack);
    const ids: string[] = [];
    for (let i = 0; i < count; i++)
      ids.push(
        (await kernel.dispatch({ type: "run.create", workflowId: "e2e", input: { n: i } }))
          .workflowRunId,
      );
    return ids;
  }

  async function waitForCompletion(stack: PrismaStack, count: number, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const done = await stack.persistence.listRuns({ status: "COMPLETED", limit: count + 1 });
      if (done.length === count) return;
      if (Date.now() > deadline)
        throw new Error(`only ${done.length} of ${count} runs completed in ${ms} ms`);
      await sleep(100);
    }
  }

  /** A fresh worker process (the "restarted" one) runs until `count` runs completed, then stops. */
  async function finishOnNewWorker(
    stack: PrismaStack,
    ledgerFile: string,
    count: number,
  ): Promise<void> {
    const worker = await startWorker({ RATCHET_DATABASE: target, RATCHET_LEDGER: ledgerFile });
    try {
      await waitForCompletion(stack, count, 60_000);
    } finally {
      worker.child.kill("SIGTERM");
      await worker.exited;
    }
  }

  async function checkOutputs(stack: PrismaStack, ids: string[]): Promise<void> {
    for (const [i, id] of ids.entries()) {
      const run = await stack.persistence.getRun(id);
      expect(run?.status).toBe("COMPLETED");
      expect(decodeValue(run?.output ?? null)).toEqual({ n: 2 * (i + 2) });
    }
  }

  describe(`Node host end to end on ${provider}`, () => {
    it("three hosts in one process finish 200 runs, every stage executed exactly once", async () => {
      const main = await open();
      workload.ledger = await reset(main);
      workload.slowStageMs = 0;
      const ids = await createRuns(main, 200);
      const hosts = await Promise.all(
        [0, 1, 2].map(async (i) => {
          const stack = i === 0 ? main : await open();
          return createNodeHost({
            kernel: e2eKernel(stack),
            jobTransport: stack.jobTransport,
            wakeups: stack.wakeups,
            workerId: `in-process-${i}`,
            concurrency: 5,
            orchestrationIntervalMs: 100,
            jobPollIntervalMs: 50,
            logger: quiet,
          });
        }),
      );
      for (const host of hosts) await host.start();
      await waitForCompletion(main, 200, 120_000);
      for (const host of hosts) await host.stop();
      await checkOutputs(main, ids);
      const ledger = readLedger(readFileSync(workload.ledger, "utf8"));
      expect(ledger).toHaveLength(800);
      expect(new Set(ledger.map((e) => `${e.runId}:${e.stageId}`)).size).toBe(800);
      // Runs were continued locally, and no job was ever executed twice (a skipped execution
      // would mean a continued job was also handed out by the queue).
      expect(
        hosts.map((h) => h.getStats().jobsContinued).reduce((a, b) => a + b, 0),
      ).toBeGreaterThan(0);
      expect(hosts.map((h) => h.getStats().outcomes.skipped).reduce((a, b) => a + b, 0)).toBe(0);
      expect(hosts.map((h) => h.getStats().jobsProcessed).reduce((a, b) => a + b, 0)).toBe(800);
      workload.ledger = "";
    });

    it("three hosts in separate processes finish 200 runs, every stage executed exactly once", async () => {
      const main = await open();
      const ledgerFile = await reset(main);
      const ids = await createRuns(main, 200);
      const workers = await Promise.all(
        [0, 1, 2].map((i) =>
          startWorker({
            RATCHET_DATABASE: target,
            RATCHET_LEDGER: ledgerFile,
            RATCHET_WORKER_ID: `child-${i}`,
          }),
        ),
      );
      try {
        await waitForCompletion(main, 200, 120_000);
      } finally {
        for (const worker of workers) worker.child.kill("SIGTERM");
        await Promise.all(workers.map((w) => w.exited));
      }
      await checkOutputs(main, ids);
      const ledger = readLedger(readFileSync(ledgerFile, "utf8"));
      expect(ledger).toHaveLength(800);
      expect(new Set(ledger.map((e) => `${e.runId}:${e.stageId}`)).size).toBe(800);
      expect(new Set(ledger.map((e) => e.pid)).size).toBeGreaterThan(1);
      for (const worker of workers) expect(worker.output()).toContain("stopped");
    });

    it("SIGTERM during a running stage loses nothing: the stage is handed back and finished elsewhere", async () => {
      const main = await open();
      const ledgerFile = await reset(main);
      const ids = await createRuns(main, 3);
      const first = await startWorker({
        RATCHET_DATABASE: target,
        RATCHET_LEDGER: ledgerFile,
        RATCHET_SLOW_STAGE_MS: "60000",
        RATCHET_SHUTDOWN_MS: "300",
      });
      await untilStageStarted(ledgerFile, "b", 3, first);
      first.child.kill("SIGTERM");
      expect(await first.exited).toBe(0);
      await finishOnNewWorker(main, ledgerFile, 3);
      await checkOutputs(main, ids);
      const ledger = readLedger(readFileSync(ledgerFile, "utf8"));
      for (const id of ids) {
        const runs = ledger.filter((e) => e.runId === id);
        expect(runs.filter((e) => e.stageId === "b")).toHaveLength(2); // interrupted once, then finished
        expect(runs.filter((e) => e.stageId === "d")).toHaveLength(1);
        // Handed back, not failed: the second execution is still attempt 1.
        expect(runs.filter((e) => e.stageId === "b").map((e) => e.attempt)).toEqual([1, 1]);
        expect(await main.persistence.getStage(id, "b")).toMatchObject({
          status: "COMPLETED",
          attempt: 1,
        });
      }
    });

    it("SIGKILL of the only process mid-run loses nothing: started again, it finishes every run", async () => {
      const main = await open();
      const ledgerFile = await reset(main);
      const ids = await createRuns(main, 6);
      const first = await startWorker({
        RATCHET_DATABASE: target,
        RATCHET_LEDGER: ledgerFile,
        RATCHET_SLOW_STAGE_MS: "60000",
      });
      // The worker runs 4 jobs at once: wait until 4 "b" stages are in the middle of their work.
      await untilStageStarted(ledgerFile, "b", 4, first);
      first.child.kill("SIGKILL");
      await first.exited;
      const killedPid = first.child.pid;
      // The dead worker's leases (3 s) run out, and the new one takes the stages over.
      await finishOnNewWorker(main, ledgerFile, 6);
      await checkOutputs(main, ids);
      const ledger = readLedger(readFileSync(ledgerFile, "utf8"));
      for (const id of ids) {
        for (const stageId of ["a", "b", "c", "d"]) {
          const runs = ledger.filter((e) => e.runId === id && e.stageId === stageId);
          expect(runs.length).toBeGreaterThanOrEqual(1);
          // A stage ran more than once only because the killed process had started it.
          expect(runs.filter((e) => e.pid !== killedPid).length).toBeLessThanOrEqual(1);
          expect((await main.persistence.getStage(id, stageId))?.status).toBe("COMPLETED");
        }
      }
      expect(ledger.filter((e) => e.pid === killedPid && e.stageId === "b").length).toBe(4);
    });
  });
}
