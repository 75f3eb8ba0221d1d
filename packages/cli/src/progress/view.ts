/**
 * What the CLI knows about the runs it shows: one {@link RunView} per run with one
 * {@link StageView} per stage, and the {@link ProgressChange}s that move them forward.
 */
import type { RunStatus } from "@ratchet/kernel";

/** Where a stage is, as shown to the user. */
export type StagePhase =
  | "pending"
  | "running"
  | "retrying"
  | "suspended"
  | "completed"
  | "failed"
  | "cancelled"
  | "skipped";

/** Phases a stage never leaves. */
export const TERMINAL_PHASES: ReadonlySet<StagePhase> = new Set([
  "completed",
  "failed",
  "cancelled",
  "skipped",
]);

/** A stage's error, as shown. */
export interface ShownError {
  code: string;
  message: string;
  stageId?: string;
}

/** One stage of a run. */
export interface StageView {
  stageId: string;
  phase: StagePhase;
  /** The attempt the phase belongs to (0 before the first). */
  attempt: number;
  /** When the first attempt started (ms since the epoch). */
  startedAt: number | undefined;
  /** When the stage completed, failed or was cancelled. */
  endedAt: number | undefined;
  /** The last progress message, or why the stage waits. */
  message: string | undefined;
  /** The last attempt's error (also kept while retrying). */
  error: ShownError | undefined;
}

/** One run. */
export interface RunView {
  runId: string;
  /** How the run is named in output (e.g. the document's slug, or a short id). */
  label: string;
  workflowId: string | undefined;
  status: RunStatus;
  createdAt: number | undefined;
  startedAt: number | undefined;
  endedAt: number | undefined;
  /** Stages in workflow order (known ones first, then as they appear). */
  stages: StageView[];
  error: ShownError | undefined;
  /** The decoded output, once the run completed. */
  output: unknown;
}

/** A step forward of a run or a stage (what plain output prints one line for). */
export type ProgressChange =
  | { kind: "run"; runId: string; status: RunStatus }
  | { kind: "stage"; runId: string; stageId: string; phase: StagePhase; attempt: number };

/** How long a stage took (or has taken so far, at `now`). */
export function stageElapsedMs(stage: StageView, now: number): number | undefined {
  if (stage.startedAt === undefined) return undefined;
  if (stage.endedAt !== undefined) return Math.max(0, stage.endedAt - stage.startedAt);
  return TERMINAL_PHASES.has(stage.phase) ? undefined : Math.max(0, now - stage.startedAt);
}

/** How long a run took (or has taken so far, at `now`). */
export function runElapsedMs(run: RunView, now: number): number | undefined {
  const start = run.startedAt ?? run.createdAt;
  if (start === undefined) return undefined;
  return Math.max(0, (run.endedAt ?? now) - start);
}
