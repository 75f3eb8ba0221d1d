/**
 * What the crash test checks once the runs are done, read from the database: runs, stage
 * records, completion events and outputs, and the ledger of stage executions with the kills
 * and commits that explain (or not) each duplicate execution.
 */
import type { PrismaStack } from "@ratchet/prisma";
import {
  classifyDuplicates,
  type Execution,
  type Kill,
  type UnexplainedDuplicate,
} from "./crash-duplicates.js";

/** What the database shows after a crash test. */
export interface CrashMeasurements {
  completed: number;
  stageExecutions: number;
  duplicateExecutions: number;
  /** Duplicates no kill explains (must be 0); see `crash-duplicates.ts`. */
  unexplainedDuplicates: number;
  unexplained: UnexplainedDuplicate[];
  /** (run, stage) pairs with no ledger row (must be 0). */
  stagesNeverRun: number;
  /** Stage records not COMPLETED exactly once per (run, stage) (must be 0). */
  badStageRecords: number;
  /** (run, stage) pairs whose record became COMPLETED other than exactly once (must be 0). */
  badCommits: number;
  /** `workflow.step.completed` events per (run, stage) other than exactly one (must be 0). */
  badCompletionEvents: number;
  /** Runs whose output is not what the workflow computes (must be 0). */
  wrongOutputs: number;
}

const STAGE_IDS = ["a", "b", "c", "d"];

/** Counts the runs COMPLETED now. */
export async function completedRuns(stack: PrismaStack): Promise<number> {
  const rows = await stack.prisma.$queryRawUnsafe<{ n: bigint }[]>(
    "SELECT count(*) AS n FROM ratchet_runs WHERE status = 'COMPLETED'",
  );
  return Number(rows[0]?.n ?? 0);
}

/** Reads everything the crash test checks at the end. */
export async function measureCrashTest(stack: PrismaStack): Promise<CrashMeasurements> {
  const { prisma } = stack;
  const count = async (sql: string) =>
    Number((await prisma.$queryRawUnsafe<{ n: bigint }[]>(sql))[0]?.n ?? 0);
  const ledger = await prisma.$queryRawUnsafe<
    { run_id: string; stage_id: string; attempt: number; pid: number; worker: string; at: Date }[]
  >("SELECT run_id, stage_id, attempt, pid, worker, at FROM crash_ledger");
  const executions: Execution[] = ledger.map((row) => ({
    runId: row.run_id,
    stageId: row.stage_id,
    attempt: Number(row.attempt),
    pid: Number(row.pid),
    worker: row.worker,
    at: row.at,
  }));
  const kills = new Map<string, Kill>();
  for (const row of await prisma.$queryRawUnsafe<
    { worker: string; sent_at: Date; dead_by: Date | null }[]
  >("SELECT worker, sent_at, dead_by FROM crash_kills")) {
    // A kill whose end was never seen (the test failed meanwhile) may have landed any time later.
    kills.set(row.worker, {
      worker: row.worker,
      sentAt: row.sent_at,
      deadBy: row.dead_by ?? new Date(8.64e15),
    });
  }
  const commits = new Map<string, Date>();
  for (const row of await prisma.$queryRawUnsafe<{ run_id: string; stage_id: string; at: Date }[]>(
    "SELECT run_id, stage_id, min(at) AS at FROM crash_commits GROUP BY run_id, stage_id",
  ))
    commits.set(`${row.run_id}:${row.stage_id}`, row.at);
  const { duplicates, unexplained } = classifyDuplicates(executions, kills, commits);
  const ran = new Set(executions.map((e) => `${e.runId}:${e.stageId}`));
  const runIds = await prisma.$queryRawUnsafe<{ id: string }[]>("SELECT id FROM ratchet_runs");
  const expectedStages = runIds.length * STAGE_IDS.length;
  return {
    completed: await completedRuns(stack),
    stageExecutions: executions.length,
    duplicateExecutions: duplicates,
    unexplainedDuplicates: unexplained.length,
    unexplained,
    stagesNeverRun: runIds.reduce(
      (missing, { id }) => missing + STAGE_IDS.filter((s) => !ran.has(`${id}:${s}`)).length,
      0,
    ),
    badStageRecords:
      (await count(
        `SELECT count(*) AS n FROM (SELECT run_id, stage_id FROM ratchet_stages
         GROUP BY run_id, stage_id HAVING count(*) <> 1 OR bool_or(status <> 'COMPLETED')) bad`,
      )) + Math.abs(expectedStages - (await count("SELECT count(*) AS n FROM ratchet_stages"))),
    badCommits:
      (await count(
        `SELECT count(*) AS n FROM (SELECT run_id, stage_id FROM crash_commits
         GROUP BY run_id, stage_id HAVING count(*) <> 1) bad`,
      )) + Math.abs(expectedStages - commits.size),
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
  };
}
