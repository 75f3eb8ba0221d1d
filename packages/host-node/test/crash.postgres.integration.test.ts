/**
 * Crash test on the real PostgreSQL server: 4 worker processes, 500 runs, a random worker
 * SIGKILLed every 1–3 s and replaced. Nothing may be lost or committed twice, every duplicate
 * execution must be explained by a kill during the execution before it, and no worker may end
 * by itself or write to stderr. The long variant (`RATCHET_LONG=1`) runs 5,000 runs. The seed
 * is printed first: `RATCHET_CRASH_SEED=<seed>` replays the controller's choices.
 */
import { createKernel, createRegistry, systemClock } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack, type PrismaStack } from "@ratchet/prisma";
import type { TestDatabase } from "@ratchet/prisma/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeUnexplained } from "./support/crash-duplicates.js";
import { CRASH_DDL } from "./support/crash-schema.js";
import { runCrashTest } from "./support/crash-suite.js";
import { crashWorkflow } from "./support/crash-workload.js";
import { migratedPostgresDatabase } from "./support/databases.js";

const LONG = process.env.RATCHET_LONG === "1";
const RUNS = Number(process.env.RATCHET_CRASH_RUNS ?? (LONG ? 5_000 : 500));
const WORKERS = 4;
const SEED = Number(process.env.RATCHET_CRASH_SEED ?? Date.now() % 1_000_000);

describe("crash test (PostgreSQL, real processes, SIGKILL)", () => {
  let db: TestDatabase;
  let stack: PrismaStack;
  beforeAll(async () => {
    // First, so that a run that fails or hangs can be replayed.
    console.log(`[crash test] seed ${SEED} (replay: RATCHET_CRASH_SEED=${SEED})`);
    db = await migratedPostgresDatabase("crash");
    stack = await createPostgresStack({ url: db.url });
    for (const statement of CRASH_DDL) await stack.prisma.$executeRawUnsafe(statement);
  });
  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it(`${WORKERS} workers finish ${RUNS} runs while one is killed every 1–3 s; nothing lost, nothing committed twice`, async () => {
    const kernel = createKernel({
      ...stack,
      eventSink: new CollectingEventSink(),
      clock: systemClock,
      registry: createRegistry([crashWorkflow]),
    });
    for (let i = 0; i < RUNS; i++)
      await kernel.dispatch({ type: "run.create", workflowId: crashWorkflow.id, input: { n: i } });
    const report = await runCrashTest({
      url: db.url,
      stack,
      runs: RUNS,
      workers: WORKERS,
      timeoutMs: LONG ? 1_200_000 : 300_000,
      seed: SEED,
    });
    const { unexplained, ...counts } = report;
    console.log(`[crash test] seed ${SEED}: ${JSON.stringify(counts)}`);
    expect(
      unexplained,
      `seed ${SEED}: ${unexplained.length} of ${report.duplicateExecutions} duplicate executions unexplained:\n${describeUnexplained(unexplained, 50)}`,
    ).toHaveLength(0);
    expect(counts, `seed ${SEED}`).toMatchObject({
      completed: RUNS,
      stagesNeverRun: 0,
      badStageRecords: 0,
      badCommits: 0,
      badCompletionEvents: 0,
      wrongOutputs: 0,
    });
    expect(report.kills).toBeGreaterThan(0);
  }, 1_500_000);
});
