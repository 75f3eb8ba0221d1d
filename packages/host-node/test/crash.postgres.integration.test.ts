/**
 * Crash test on the real PostgreSQL server: 4 worker processes, 1,000 runs, a random worker
 * SIGKILLed every 1–3 s and replaced. Nothing may be lost or committed twice. The long
 * variant (`RATCHET_LONG=1`) runs 5,000 runs.
 */
import { createKernel, createRegistry, systemClock } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack, type PrismaStack } from "@ratchet/prisma";
import { createPostgresDatabase, type TestDatabase } from "@ratchet/prisma/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCrashTest } from "./support/crash-suite.js";
import { crashWorkflow, LEDGER_DDL } from "./support/crash-workload.js";

const LONG = process.env.RATCHET_LONG === "1";
const RUNS = Number(process.env.RATCHET_CRASH_RUNS ?? (LONG ? 5_000 : 1_000));
const WORKERS = 4;

/** A small seeded PRNG (mulberry32), so a failing schedule of kills can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("crash test (PostgreSQL, real processes, SIGKILL)", () => {
  let db: TestDatabase;
  let stack: PrismaStack;
  beforeAll(async () => {
    db = await createPostgresDatabase("crash");
    stack = await createPostgresStack({ url: db.url });
    await stack.prisma.$executeRawUnsafe(LEDGER_DDL);
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
    const seed = Number(process.env.RATCHET_CRASH_SEED ?? Date.now() % 1_000_000);
    const report = await runCrashTest({
      url: db.url,
      stack,
      runs: RUNS,
      workers: WORKERS,
      timeoutMs: LONG ? 1_200_000 : 300_000,
      random: seeded(seed),
    });
    console.log(`[crash test] seed ${seed}: ${JSON.stringify(report)}`);
    expect(report).toMatchObject({
      completed: RUNS,
      unexplainedDuplicates: 0,
      stagesNeverRun: 0,
      badStageRecords: 0,
      badCompletionEvents: 0,
      wrongOutputs: 0,
    });
    expect(report.kills).toBeGreaterThan(0);
  }, 1_500_000);
});
