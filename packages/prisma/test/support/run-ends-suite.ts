/**
 * Run-end notices and `awaitRunResult` on a real database: the notice source passes the
 * conformance suite as another stack on the same database sees it (PostgreSQL: LISTEN/NOTIFY
 * sent by the trigger; SQLite: the file's in-process notices); awaits resolve on completion
 * (through the batched stage committer), failure and cancellation with the poll switched off,
 * time out typed, reject an unknown run, and still resolve through the poll when notices are
 * broken.
 */
import { symlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import {
  defineStage,
  defineWorkflow,
  NonRetryableError,
  RunAwaitTimeoutError,
  RunNotFoundError,
} from "@ratchet/kernel";
import { FakeClock, runEndSourceConformance } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createPostgresStack, createSqliteStack, type PrismaStack } from "../../src/index.js";
import type { DatabaseProvider } from "../../src/provider.js";
import { LocalRunEnds } from "../../src/sql/run-ends.js";
import { awaitRunResultOver, pollingRunEnds } from "../../src/stacks/await-run.js";
import { useStack } from "./stacks.js";
import { kernelOver } from "./test-kernels.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A poll that never comes during a test: only notices can wake a waiter. */
const NO_POLL = 3_600_000;

const N = z.object({ n: z.number() });
const behaviour = { fail: false };
const add = defineStage({
  id: "add",
  name: "Add",
  schemas: { input: N, output: N },
  execute: (ctx) => {
    if (behaviour.fail) throw new NonRetryableError("failed on purpose");
    return { n: ctx.input.n + 1 };
  },
});
const twice = defineWorkflow({ id: "twice", name: "Twice", input: N, output: N })
  .pipe(add)
  .pipe({ ...add, id: "add2" })
  .build();

/**
 * Another stack on the database at `location`, whose run-end notices are up (PostgreSQL: the
 * LISTEN connection listens), polling every `runEndPollMs` (default: never during a test).
 */
export async function openWaiterStack(
  provider: DatabaseProvider,
  location: string,
  runEndPollMs = NO_POLL,
): Promise<PrismaStack> {
  const stack =
    provider === "postgresql"
      ? await createPostgresStack({ url: location, migrate: false, runEndPollMs })
      : await createSqliteStack({ file: location, migrate: false, runEndPollMs });
  if (provider === "postgresql") {
    // The LISTEN connection says "any run may have ended" once it listens.
    let up = false;
    const stop = stack.runEnds.subscribe((runId) => {
      if (runId === undefined) up = true;
    });
    for (let i = 0; i < 300 && !up; i++) await sleep(10);
    stop();
    expect(up).toBe(true);
  }
  return stack;
}

/** Registers the run-end tests for `provider`. */
export function registerRunEnds(provider: DatabaseProvider): void {
  const harness = useStack(provider, `run_ends_${provider}`);

  /** Another stack on the database, whose run-end notices are up (LISTEN connected). */
  const waiterStack = (runEndPollMs = NO_POLL, location = harness().location) =>
    openWaiterStack(provider, location, runEndPollMs);

  runEndSourceConformance({
    name: `prisma (${provider}), heard by another stack`,
    settle: () => sleep(20),
    // PostgreSQL's notice carries the run's record (migration 0018); SQLite's names the run.
    handsRecords: provider === "postgresql",
    create: async () => {
      const waiter = await waiterStack();
      return {
        persistence: harness().stack.persistence,
        runEnds: waiter.runEnds,
        close: () => waiter.close(),
      };
    },
  });

  const start = async (n = 1) => {
    const t = kernelOver(harness().stack, [twice], new FakeClock(), `w-${provider}`);
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "twice",
      input: { n },
    });
    return { t, workflowRunId };
  };

  describe(`awaitRunResult on ${provider}`, () => {
    it("resolves in another stack, with no poll, when the run completes, fails or is cancelled", async () => {
      const waiter = await waiterStack();
      try {
        behaviour.fail = false;
        const done = await start(1);
        const completed = waiter.awaitRunResult(done.workflowRunId, {
          timeoutMs: 20_000,
          workflow: twice,
        });
        await done.t.driver.runToCompletion(done.workflowRunId);
        const result = await completed;
        expect(result.status).toBe("COMPLETED");
        if (result.status === "COMPLETED") expect(result.output.n).toBe(3);

        behaviour.fail = true;
        const failing = await start(1);
        const failed = waiter.awaitRunResult(failing.workflowRunId, { timeoutMs: 20_000 });
        await failing.t.driver.runToCompletion(failing.workflowRunId);
        const failure = await failed;
        expect(failure.status).toBe("FAILED");
        if (failure.status !== "COMPLETED") expect(failure.error?.message).toContain("on purpose");

        const cancelling = await start(1);
        const cancelled = waiter.awaitRunResult(cancelling.workflowRunId, { timeoutMs: 20_000 });
        await cancelling.t.kernel.dispatch({
          type: "run.cancel",
          workflowRunId: cancelling.workflowRunId,
        });
        expect((await cancelled).status).toBe("CANCELLED");
      } finally {
        behaviour.fail = false;
        await waiter.close();
      }
    });

    it("rejects with RunAwaitTimeoutError after timeoutMs, and RunNotFoundError for an unknown run", async () => {
      const { workflowRunId } = await start(1);
      const { stack } = harness();
      const error = await stack
        .awaitRunResult(workflowRunId, { timeoutMs: 150 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RunAwaitTimeoutError);
      expect((error as RunAwaitTimeoutError).code).toBe("RUN_AWAIT_TIMEOUT");
      await expect(stack.awaitRunResult("no-such-run")).rejects.toBeInstanceOf(RunNotFoundError);
    });

    it("still resolves through the poll when no notice ever comes", async () => {
      const { t, workflowRunId } = await start(1);
      const silent = pollingRunEnds(new LocalRunEnds(), () => {}, 50);
      const awaited = awaitRunResultOver(harness().stack.persistence, silent, workflowRunId, {
        timeoutMs: 20_000,
      });
      await t.driver.runToCompletion(workflowRunId);
      expect((await awaited).status).toBe("COMPLETED");
      silent.close();
    });

    if (provider === "postgresql") {
      it("resolves after the LISTEN connection drops and comes back, with no poll", async () => {
        const { stack } = harness();
        const waiter = await waiterStack();
        try {
          const { t, workflowRunId } = await start(1);
          const awaited = waiter.awaitRunResult(workflowRunId, { timeoutMs: 20_000 });
          await sleep(50);
          const killed = await stack.prisma.$queryRawUnsafe<{ pid: number }[]>(
            `SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity
              WHERE datname = current_database() AND query LIKE 'LISTEN%ratchet_run_ended%'`,
          );
          expect(killed.length).toBeGreaterThan(0);
          // The run ends while the connection is down: its notice is lost; reconnecting says
          // "any run may have ended", and the waiter reads again.
          await t.driver.runToCompletion(workflowRunId);
          expect((await awaited).status).toBe("COMPLETED");
        } finally {
          await waiter.close();
        }
      });

      it("resolves through the poll while NOTIFY is off (the trigger disabled)", async () => {
        const { stack } = harness();
        const waiter = await waiterStack(100);
        await stack.prisma.$executeRawUnsafe(
          "ALTER TABLE ratchet_runs DISABLE TRIGGER ratchet_runs_ended_notify",
        );
        try {
          const { t, workflowRunId } = await start(1);
          const heard: (string | undefined)[] = [];
          const stop = waiter.runEnds.subscribe((runId) => heard.push(runId));
          const awaited = waiter.awaitRunResult(workflowRunId, { timeoutMs: 20_000 });
          await t.driver.runToCompletion(workflowRunId);
          expect((await awaited).status).toBe("COMPLETED");
          await sleep(100);
          expect(heard).not.toContain(workflowRunId);
          stop();
        } finally {
          await stack.prisma.$executeRawUnsafe(
            "ALTER TABLE ratchet_runs ENABLE TRIGGER ratchet_runs_ended_notify",
          );
          await waiter.close();
        }
      });
    } else {
      it("wakes a stack that does not share this process's notices through the file watch", async () => {
        // The file through a symlinked directory: the same database, but another path, so the
        // waiter shares no in-process notices with the writer — as another process would.
        const file = harness().location;
        const link = join(dirname(dirname(file)), `${basename(dirname(file))}-link`);
        symlinkSync(dirname(file), link);
        const waiter = await waiterStack(NO_POLL, join(link, basename(file)));
        try {
          const { t, workflowRunId } = await start(1);
          const heard: (string | undefined)[] = [];
          const stop = waiter.runEnds.subscribe((runId) => heard.push(runId));
          const awaited = waiter.awaitRunResult(workflowRunId, { timeoutMs: 20_000 });
          await t.driver.runToCompletion(workflowRunId);
          expect((await awaited).status).toBe("COMPLETED");
          expect(heard).not.toContain(workflowRunId);
          expect(heard).toContain(undefined);
          stop();
        } finally {
          await waiter.close();
        }
      });
    }
  });
}
