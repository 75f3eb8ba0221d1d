/**
 * The crash test: worker processes run runs of the crash workload on one PostgreSQL database
 * while a controller SIGKILLs a random worker every 1–3 s and starts a new one. At the end,
 * every run must be COMPLETED with the right output, every stage's output committed exactly
 * once, the ledger must show every stage ran, and every duplicate execution must belong to a
 * worker that was killed.
 */
import type { PrismaStack } from "@ratchet/prisma";
import { startWorker, type Worker } from "./processes.js";

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Settings of one crash test. */
export interface CrashTestOptions {
  /** The database (migrated, with the ledger table, and `runs` pending runs created). */
  url: string;
  stack: PrismaStack;
  runs: number;
  workers: number;
  /** Random wait between kills, ms (default 1–3 s). */
  killEveryMs?: readonly [number, number];
  /** Give up after this long (ms). */
  timeoutMs: number;
  /** Seeded randomness for the controller (which worker, how long to wait). */
  random: () => number;
}

/** What a crash test measured. */
export interface CrashTestReport {
  runs: number;
  completed: number;
  kills: number;
  workersStarted: number;
  stageExecutions: number;
  duplicateExecutions: number;
  /** Duplicates by a worker that was never killed (must be 0). */
  unexplainedDuplicates: number;
  /** (run, stage) pairs with no ledger row (must be 0). */
  stagesNeverRun: number;
  /** Stage records not COMPLETED exactly once per (run, stage) (must be 0). */
  badStageRecords: number;
  /** `workflow.step.completed` events per (run, stage) other than exactly one (must be 0). */
  badCompletionEvents: number;
  /** Runs whose output is not what the workflow computes (must be 0). */
  wrongOutputs: number;
  drainMs: number;
}

/** Runs the crash test and reports what it saw. */
export async function runCrashTest(options: CrashTestOptions): Promise<CrashTestReport> {
  const { url, stack, random } = options;
  const [minWait, maxWait] = options.killEveryMs ?? [1_000, 3_000];
  const killed = new Set<number>();
  let started = 0;
  const spawn = async (): Promise<Worker> => {
    started++;
    return startWorker(
      { RATCHET_DATABASE: url, RATCHET_WORKER_ID: `crash-${started}` },
      "crash-worker-entry.ts",
    );
  };
  const workers: Worker[] = [];
  for (let i = 0; i < options.workers; i++) workers.push(await spawn());
  // Replacements start in the background, so the next kill does not wait for them.
  const starting: Promise<void>[] = [];
  const began = Date.now();
  const completed = async () => {
    const rows = await stack.prisma.$queryRawUnsafe<{ n: bigint }[]>(
      "SELECT count(*) AS n FROM ratchet_runs WHERE status = 'COMPLETED'",
    );
    return Number(rows[0]?.n ?? 0);
  };
  try {
    let nextKill = Date.now() + minWait + random() * (maxWait - minWait);
    while ((await completed()) < options.runs) {
      const [failed] = await stack.prisma.$queryRawUnsafe<{ n: bigint; error: string | null }[]>(
        "SELECT count(*) AS n, max(error) AS error FROM ratchet_runs WHERE status = 'FAILED'",
      );
      if (Number(failed?.n ?? 0) > 0)
        throw new Error(`[crash test] ${failed?.n} run(s) FAILED, e.g. ${failed?.error}`);
      if (Date.now() - began > options.timeoutMs) {
        throw new Error(
          `[crash test] only ${await completed()} of ${options.runs} runs completed in ${options.timeoutMs} ms (${killed.size} kills)`,
        );
      }
      if (Date.now() >= nextKill && workers.length > 0) {
        const index = Math.floor(random() * workers.length);
        const victim = workers[index] as Worker;
        const pid = victim.child.pid ?? -1;
        victim.child.kill("SIGKILL");
        await victim.exited;
        killed.add(pid);
        workers.splice(index, 1);
        starting.push(
          spawn().then((worker) => {
            workers.push(worker);
          }),
        );
        nextKill = Date.now() + minWait + random() * (maxWait - minWait);
      }
      await pause(50);
    }
  } finally {
    await Promise.allSettled(starting);
    for (const worker of workers) worker.child.kill("SIGKILL");
    await Promise.all(workers.map((w) => w.exited));
  }
  const drainMs = Date.now() - began;

  const ledger = await stack.prisma.$queryRawUnsafe<
    { run_id: string; stage_id: string; pid: number }[]
  >("SELECT run_id, stage_id, pid FROM crash_ledger");
  const byStage = new Map<string, number[]>();
  for (const row of ledger) {
    const key = `${row.run_id}:${row.stage_id}`;
    const pids = byStage.get(key) ?? [];
    pids.push(Number(row.pid));
    byStage.set(key, pids);
  }
  let duplicateExecutions = 0;
  let unexplainedDuplicates = 0;
  for (const pids of byStage.values()) {
    duplicateExecutions += pids.length - 1;
    // At most one execution per stage may come from a worker that was never killed: every
    // other one ran in a worker that died before its result could count.
    unexplainedDuplicates += Math.max(0, pids.filter((pid) => !killed.has(pid)).length - 1);
  }
  const count = async (sql: string) =>
    Number((await stack.prisma.$queryRawUnsafe<{ n: bigint }[]>(sql))[0]?.n ?? 0);
  const runIds = await stack.prisma.$queryRawUnsafe<{ id: string }[]>(
    "SELECT id FROM ratchet_runs",
  );
  const stageIds = ["a", "b", "c", "d"];
  const stagesNeverRun = runIds.reduce(
    (missing, { id }) => missing + stageIds.filter((s) => !byStage.has(`${id}:${s}`)).length,
    0,
  );
  return {
    runs: options.runs,
    completed: await completed(),
    kills: killed.size,
    workersStarted: started,
    stageExecutions: ledger.length,
    duplicateExecutions,
    unexplainedDuplicates,
    stagesNeverRun,
    badStageRecords:
      (await count(
        `SELECT count(*) AS n FROM (SELECT run_id, stage_id FROM ratchet_stages
         GROUP BY run_id, stage_id HAVING count(*) <> 1 OR bool_or(status <> 'COMPLETED')) bad`,
      )) +
      Math.abs(
        runIds.length * stageIds.length - (await count("SELECT count(*) AS n FROM ratchet_stages")),
      ),
    badCompletionEvents: await count(
      `SELECT count(*) AS n FROM (
         SELECT s.run_id, s.stage_id, count(o.id) AS events FROM ratchet_stages s
         LEFT JOIN ratchet_outbox o ON o.run_id = s.run_id AND o.type = 'workflow.step.completed'
           AND o.payload::jsonb ->> 'stageId' = s.stage_id
         GROUP BY s.run_id, s.stage_id) e WHERE events <> 1`,
    ),
    wrongOutputs: await count(
      `SELECT count(*) AS n FROM ratchet_runs
        WHERE (output::jsonb -> 'n')::int IS DISTINCT FROM 2 * ((input::jsonb -> 'n')::int + 2)`,
    ),
    drainMs,
  };
}
