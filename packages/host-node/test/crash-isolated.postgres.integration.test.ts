/**
 * The crash test with isolated stages (`npm run crash-test:isolated`): the crash test's
 * workload (`crash-workload-isolated.ts`) with every stage body in a child process
 * (`RATCHET_CRASH_ISOLATION=thread` for worker threads), 4 worker processes on PostgreSQL, a
 * random worker SIGKILLed every 3–6 s and replaced (a stage attempt now also starts a child, so
 * workers need longer between kills to make progress). The same checks as the crash test: nothing
 * lost or committed twice, every duplicate execution explained by a kill, no worker ending by
 * itself or writing to stderr. 10 runs by default in the suite (each attempt forks a process: 20 took 74 s of the default run), `RATCHET_CRASH_RUNS=200` for a longer one. The seed is printed first: `RATCHET_CRASH_SEED=<seed>` replays it.
 */
import { join } from "node:path";
import { createKernel, createRegistry, systemClock } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack, type PrismaStack } from "@ratchet/prisma";
import type { TestDatabase } from "@ratchet/prisma/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeUnexplained } from "./support/crash-duplicates.js";
import { CRASH_DDL } from "./support/crash-schema.js";
import { runCrashTest } from "./support/crash-suite.js";
import { crashWorkflow } from "./support/crash-workload-isolated.js";
import { migratedPostgresDatabase } from "./support/databases.js";
import { bundle, isolationFiles } from "./support/isolation-bundle.js";

const RUNS = Number(process.env.RATCHET_CRASH_RUNS ?? 10);
const WORKERS = 4;
const SEED = Number(process.env.RATCHET_CRASH_SEED ?? Date.now() % 1_000_000);
const MODE = process.env.RATCHET_CRASH_ISOLATION ?? "process";

/** The variables this file sets for its worker processes, as they were before. */
const ENV_KEYS = ["RATCHET_CRASH_ISOLATION", "RATCHET_CRASH_MODULE", "RATCHET_ISOLATION_CHILD"];
const envBefore = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));

describe(`crash test with isolated stages (${MODE}; PostgreSQL, real processes, SIGKILL)`, () => {
  let db: TestDatabase;
  let stack: PrismaStack;
  beforeAll(async () => {
    console.log(`[crash test, isolated] seed ${SEED} (replay: RATCHET_CRASH_SEED=${SEED})`);
    db = await migratedPostgresDatabase("crash_iso");
    stack = await createPostgresStack({ url: db.url });
    for (const statement of CRASH_DDL) await stack.prisma.$executeRawUnsafe(statement);
    const { childEntry } = await isolationFiles();
    const module = await bundle(
      join(import.meta.dirname, "support", "crash-workload-isolated.ts"),
      "crash-workload-isolated",
    );
    // The worker processes (and their children) inherit these.
    process.env.RATCHET_CRASH_ISOLATION = MODE;
    process.env.RATCHET_CRASH_MODULE = module;
    process.env.RATCHET_ISOLATION_CHILD = childEntry;
  });
  afterAll(async () => {
    // The test files share a process: later files' workers must not inherit these.
    for (const key of ENV_KEYS) {
      if (envBefore[key] === undefined) delete process.env[key];
      else process.env[key] = envBefore[key];
    }
    await stack?.close();
    await db?.drop();
  });

  it(`${WORKERS} workers finish ${RUNS} runs with isolated stages while one is killed every 3–6 s; nothing lost, nothing committed twice`, async () => {
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
      killEveryMs: [3_000, 6_000],
      timeoutMs: 600_000,
      seed: SEED,
    });
    const { unexplained, ...counts } = report;
    console.log(`[crash test, isolated] seed ${SEED}: ${JSON.stringify(counts)}`);
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
  }, 900_000);
});
