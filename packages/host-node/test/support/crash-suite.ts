/**
 * The crash test: worker processes run runs of the crash workload on one PostgreSQL database
 * while a controller SIGKILLs a random worker every 1–3 s and starts a new one. The controller
 * fails the test at once when a worker misbehaves (ends by itself, writes to stderr; see
 * `crash-workers.ts`) or a run fails. When every run is COMPLETED it stops the workers with
 * SIGTERM (each must exit 0) and reads what happened (`crash-measure.ts`): every run's output
 * right, every stage's output committed exactly once, the ledger showing every stage ran, and
 * every duplicate execution explained by a kill of the worker that ran the execution before it
 * (`crash-duplicates.ts`).
 */
import type { PrismaStack } from "@ratchet/prisma";
import { type CrashMeasurements, completedRuns, measureCrashTest } from "./crash-measure.js";
import { CrashWorkers } from "./crash-workers.js";

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Stage executions the workers have started so far (rows of the crash ledger). */
async function stagesStarted(stack: PrismaStack): Promise<number> {
  const [row] = await stack.prisma.$queryRawUnsafe<{ n: bigint }[]>(
    "SELECT count(*) AS n FROM crash_ledger",
  );
  return Number(row?.n ?? 0);
}

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

/** Settings of one crash test. */
export interface CrashTestOptions {
  /**
   * The database: migrated, with the crash tables (`CRASH_DDL`), and `runs` pending runs
   * created.
   */
  url: string;
  stack: PrismaStack;
  runs: number;
  workers: number;
  /** Random wait between kills, ms (default 1–3 s); the first comes a quarter to half of the shortest wait after the first stage starts. */
  killEveryMs?: readonly [number, number];
  /** Give up after this long (ms). */
  timeoutMs: number;
  /** Seeds the controller's choices (which worker, how long to wait); named in every failure. */
  seed: number;
}

/** What a crash test measured. */
export interface CrashTestReport extends CrashMeasurements {
  runs: number;
  kills: number;
  workersStarted: number;
  /** From the first worker's start until every run was COMPLETED. */
  drainMs: number;
}

/** Runs the crash test and reports what it saw; throws (naming the seed) on a failure seen early. */
export async function runCrashTest(options: CrashTestOptions): Promise<CrashTestReport> {
  const { url, stack, seed } = options;
  const random = seeded(seed);
  const [minWait, maxWait] = options.killEveryMs ?? [1_000, 3_000];
  const workers = new CrashWorkers(url, stack.prisma);
  // Replacements start in the background, so the next kill does not wait for them.
  const starting: Promise<void>[] = [];
  const began = Date.now();
  let drainMs = 0;
  try {
    for (let i = 0; i < options.workers; i++) await workers.spawn();
    // The first kill is timed from the first stage execution (the workers may take seconds to
    // start on a loaded machine), a quarter to half of the shortest wait after it: a workload
    // that drains within the first wait must still see a worker killed while it runs.
    let nextKill = Number.POSITIVE_INFINITY;
    while ((await completedRuns(stack)) < options.runs) {
      workers.check();
      if (nextKill === Number.POSITIVE_INFINITY && (await stagesStarted(stack)) > 0)
        nextKill = Date.now() + (minWait / 4) * (1 + random());
      const [failed] = await stack.prisma.$queryRawUnsafe<{ n: bigint; error: string | null }[]>(
        "SELECT count(*) AS n, max(error) AS error FROM ratchet_runs WHERE status = 'FAILED'",
      );
      if (Number(failed?.n ?? 0) > 0)
        throw new Error(`${failed?.n} run(s) FAILED, e.g. ${failed?.error}`);
      if (Date.now() - began > options.timeoutMs) {
        throw new Error(
          `only ${await completedRuns(stack)} of ${options.runs} runs completed in ${options.timeoutMs} ms (${workers.kills} kills)`,
        );
      }
      if (Date.now() >= nextKill && workers.running > 0) {
        await workers.killOne((count) => Math.floor(random() * count));
        starting.push(workers.spawn());
        nextKill = Date.now() + minWait + random() * (maxWait - minWait);
      }
      await pause(50);
    }
    drainMs = Date.now() - began;
    await Promise.all(starting);
    await workers.stopAll();
  } catch (error) {
    await Promise.allSettled(starting);
    await workers.abort();
    if (error instanceof Error) error.message = `[crash test] seed ${seed}: ${error.message}`;
    throw error;
  }
  return {
    runs: options.runs,
    kills: workers.kills,
    workersStarted: workers.started,
    drainMs,
    ...(await measureCrashTest(stack)),
  };
}
