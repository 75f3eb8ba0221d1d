/**
 * The bars of a run's timeline: one per stage attempt, from its start to its outcome (an
 * attempt still running reaches to `now`), read from the inspection's attempts.
 */
import type { StageView } from "@ratchet/kernel";

/** One attempt of one stage, drawn as a bar. */
export interface TimelineBar {
  stageId: string;
  attempt: number;
  /** ISO time the attempt started (or is known to have been running since). */
  start: string;
  /** ISO time of its outcome; `null` while it runs. */
  end: string | null;
  outcome: "running" | "failed" | "completed" | "suspended" | "cancelled";
  /** The attempt's error, `CODE message`, when it failed. */
  error: string | null;
}

/** The bars of a run's stages, oldest start first. */
export function timelineBars(stages: readonly StageView[]): TimelineBar[] {
  const bars: TimelineBar[] = [];
  for (const stage of stages) {
    for (const attempt of stage.attempts) {
      const running = attempt.outcome === "running";
      const start = attempt.startedAt ?? attempt.at;
      bars.push({
        stageId: stage.stageId,
        attempt: attempt.attempt,
        start: start.toISOString(),
        end: running ? null : attempt.at.toISOString(),
        outcome: attempt.outcome,
        error: attempt.error ? `${attempt.error.code} ${attempt.error.message}` : null,
      });
    }
  }
  return bars.sort((a, b) => a.start.localeCompare(b.start) || a.attempt - b.attempt);
}
