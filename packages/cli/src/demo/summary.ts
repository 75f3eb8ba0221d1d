/**
 * The demo's summary, computed from the runs' final records: runs completed and failed,
 * stages executed, attempts and retries, async batches, events, total time.
 */
import type { RunRecord, StageRecord } from "@ratchet/kernel";
import { formatDuration } from "../render/format.js";
import type { Style } from "../render/style.js";

/** The figures of a demo. */
export interface DemoSummary {
  runs: number;
  completed: number;
  /** Failed or cancelled. */
  failed: number;
  /** Still pending or running (the demo was interrupted or timed out). */
  unfinished: number;
  /** Stages that completed. */
  stagesCompleted: number;
  /** Stage attempts executed (each retry is one more). */
  attempts: number;
  retries: number;
  /** Async-batch stages that suspended and were resumed. */
  batchesResumed: number;
  eventsPublished: number;
  totalMs: number;
}

/** Computes the summary. */
export function summarize(
  runs: readonly RunRecord[],
  stagesByRun: ReadonlyMap<string, readonly StageRecord[]>,
  counts: {
    /** Ids of the workflow's async-batch stages. */
    asyncStageIds: ReadonlySet<string>;
    events: number;
    totalMs: number;
  },
): DemoSummary {
  const stages = [...stagesByRun.values()].flat();
  const attempts = stages.reduce((sum, s) => sum + s.attempt, 0);
  const executed = stages.filter((s) => s.attempt > 0).length;
  return {
    runs: runs.length,
    completed: runs.filter((r) => r.status === "COMPLETED").length,
    failed: runs.filter(
      (r) => r.status !== "COMPLETED" && r.status !== "PENDING" && r.status !== "RUNNING",
    ).length,
    unfinished: runs.filter((r) => r.status === "PENDING" || r.status === "RUNNING").length,
    stagesCompleted: stages.filter((s) => s.status === "COMPLETED").length,
    attempts,
    retries: attempts - executed,
    batchesResumed: stages.filter(
      (s) => counts.asyncStageIds.has(s.stageId) && s.status === "COMPLETED",
    ).length,
    eventsPublished: counts.events,
    totalMs: counts.totalMs,
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The summary as text lines. */
export function renderSummary(summary: DemoSummary, database: string, style: Style): string[] {
  const field = (name: string, value: string) => `  ${style.dim(name.padEnd(10))} ${value}`;
  const failed = summary.failed > 0 ? style.red(`${summary.failed} failed`) : "0 failed";
  const unfinished =
    summary.unfinished > 0 ? `, ${style.yellow(`${summary.unfinished} unfinished`)}` : "";
  return [
    style.bold("Summary"),
    field(
      "runs",
      `${style.green(`${summary.completed} completed`)}, ${failed}${unfinished} (of ${summary.runs})`,
    ),
    field(
      "stages",
      `${summary.stagesCompleted} completed; ${plural(summary.attempts, "attempt")} executed, ${plural(summary.retries, "retry", "retries")}`,
    ),
    field(
      "batches",
      `${plural(summary.batchesResumed, "async batch stage")} suspended and resumed`,
    ),
    field("events", `${summary.eventsPublished} published through the outbox`),
    field("database", database),
    field("total", formatDuration(summary.totalMs)),
  ];
}
