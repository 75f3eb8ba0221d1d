/**
 * Signals across processes on PostgreSQL (issue 15): two worker processes run 300 runs (1,000
 * with `RATCHET_LONG=1`, the size docs/RELIABILITY.md's figures are from) that
 * each wait for a signal; a third process creates the runs and sends each its signal, in a
 * random order, half of them before the run reaches its wait (buffered) and half once it waits
 * (delivered). Every run must complete once with its own payload, every signal be consumed
 * once by its own run's wait, no stage run twice, and nothing be left waiting.
 *
 * RATCHET_SIGNAL_RUNS (default 300) and RATCHET_SIGNAL_TIMEOUT_MS (default 120,000) size a
 * longer variant; RATCHET_SIGNAL_SEED replays the sender's plan (printed first).
 */
import type { PrismaStack } from "@ratchet/prisma";
import { createPostgresStack } from "@ratchet/prisma";
import type { TestDatabase } from "@ratchet/prisma/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migratedPostgresDatabase } from "./support/databases.js";
import { startWorker, type Worker, type WorkerExit } from "./support/processes.js";
import { readSignalReport, type SentSignal } from "./support/signal-checks.js";
import { SIGNAL_LEDGER_DDL } from "./support/signal-schema.js";

const RUNS = Number(
  process.env.RATCHET_SIGNAL_RUNS ?? (process.env.RATCHET_LONG === "1" ? 1_000 : 300),
);
const TIMEOUT_MS = Number(process.env.RATCHET_SIGNAL_TIMEOUT_MS ?? 120_000);
const SEED = Number(process.env.RATCHET_SIGNAL_SEED ?? Date.now() % 1_000_000);
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("signals across processes (PostgreSQL, two workers, a third process sending)", () => {
  let db: TestDatabase;
  let stack: PrismaStack;
  const processes: Worker[] = [];

  beforeAll(async () => {
    console.log(`[signals] seed ${SEED} (replay: RATCHET_SIGNAL_SEED=${SEED})`);
    db = await migratedPostgresDatabase("signals");
    stack = await createPostgresStack({ url: db.url, poolSize: 2 });
    await stack.prisma.$executeRawUnsafe(SIGNAL_LEDGER_DDL);
  });
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await Promise.all(processes.map((p) => p.exit));
    await stack?.close();
    await db?.drop();
  });

  it(
    `${RUNS} runs wait for a signal; each completes once with its own payload, half buffered and half delivered`,
    async () => {
      const began = Date.now();
      const deadline = began + TIMEOUT_MS;
      const env = { RATCHET_DATABASE: db.url };
      for (const id of ["signal-1", "signal-2"])
        processes.push(
          await startWorker({ ...env, RATCHET_WORKER_ID: id }, "signal-worker-entry.ts"),
        );
      const workers = [...processes];
      const sender = await startWorker(
        { ...env, RATCHET_SIGNAL_RUNS: String(RUNS), RATCHET_SIGNAL_SEED: String(SEED) },
        "signal-sender-entry.ts",
      );
      processes.push(sender);

      // The sender finishes once every signal is out; the workers then finish the runs.
      const senderExit = await before(sender.exit, deadline);
      expect(senderExit, `seed ${SEED}: the sender failed:\n${sender.stderr()}`).toEqual({
        code: 0,
        signal: null,
      });
      const sentAllMs = Date.now() - began;
      const sent = sender
        .output()
        .split("\n")
        .filter((line) => line.startsWith("SENT "))
        .map((line) => JSON.parse(line.slice(5)) as SentSignal);
      expect(sent).toHaveLength(RUNS);
      for (;;) {
        for (const w of workers)
          expect(w.child.exitCode, `a worker exited early:\n${w.output()}`).toBeNull();
        const [row] = await stack.prisma.$queryRawUnsafe<Array<{ done: bigint; ended: bigint }>>(
          `SELECT count(*) FILTER (WHERE status = 'COMPLETED') AS done,
                count(*) FILTER (WHERE status IN ('FAILED', 'CANCELLED')) AS ended
         FROM ratchet_runs`,
        );
        expect(Number(row?.ended), `seed ${SEED}: runs failed`).toBe(0);
        if (Number(row?.done) >= RUNS) break;
        if (Date.now() > deadline)
          throw new Error(`seed ${SEED}: ${row?.done}/${RUNS} runs completed in ${TIMEOUT_MS} ms`);
        await pause(100);
      }
      const doneMs = Date.now() - began;
      for (const w of workers) w.child.kill("SIGTERM");
      const exits = await Promise.all(workers.map((w) => before(w.exit, Date.now() + 20_000)));
      expect(exits).toEqual(workers.map(() => ({ code: 0, signal: null })));
      expect(workers.map((w) => w.stderr())).toEqual(["", ""]);

      // Both paths were taken: about half the signals were buffered, half delivered.
      const statuses = count(sent.map((s) => s.status));
      const plannedAndGot = count(sent.map((s) => `${s.planned}:${s.status}`));
      expect(statuses.duplicate ?? 0).toBe(0);
      expect(statuses.buffered ?? 0).toBeGreaterThanOrEqual(RUNS * 0.4);
      expect(statuses.delivered ?? 0).toBeGreaterThanOrEqual(RUNS * 0.4);

      const report = await readSignalReport(stack, sent);
      console.log(
        `[signals] seed ${SEED}: ${RUNS} runs, all signals sent after ${sentAllMs} ms, all runs completed after ${doneMs} ms; ` +
          `planned:got ${JSON.stringify(plannedAndGot)}; buffered before prepare started ${report.signals.bufferedBeforePrepare}, ` +
          `while it ran ${report.signals.bufferedDuringPrepare}; ${report.executed} executions by ${report.workers} workers`,
      );
      expect(report.wrongOutputs, `seed ${SEED}`).toEqual([]);
      expect(report, `seed ${SEED}`).toMatchObject({
        runs: RUNS,
        completed: RUNS,
        completionEventsNotOne: 0,
        stepsCompleted: RUNS * 3,
        stepsCompletedTwice: 0,
        executed: RUNS * 2,
        executedTwice: 0,
        workers: 2,
        stages: RUNS * 3,
        stagesNotCompleted: 0,
        waitsLeft: 0,
        signals: {
          stored: RUNS,
          consumed: RUNS,
          consumers: RUNS,
          wrongConsumer: 0,
          deliveredLater: 0,
          bufferedEarlier: 0,
        },
      });
    },
    TIMEOUT_MS + 60_000,
  );
});

/** Occurrences of each value. */
function count(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** `exit`, or a rejection once `deadline` (epoch ms) has passed. */
async function before(exit: Promise<WorkerExit>, deadline: number): Promise<WorkerExit> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      exit,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error("a process did not exit in time")),
          Math.max(0, deadline - Date.now()),
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
