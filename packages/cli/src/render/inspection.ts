/**
 * A run's inspection (`loadRunInspection` of `@ratchet/kernel`) as text: each stage's live
 * state (running included), attempt of max, lease holder and heartbeat age, start and end,
 * next retry, and the errors of its earlier attempts (with the first frame of their stack);
 * the run's timeline; and the explanation `ratchet explain` prints.
 */
import type {
  Explanation,
  RunInspection,
  StageState,
  StageView,
  StoredError,
} from "@ratchet/kernel";
import type { OptionSpec } from "../cli/options.js";
import type { StagePhase } from "../progress/view.js";
import { errorText, formatDuration, phaseSymbol } from "./format.js";
import { waitText } from "./run-links.js";
import { padEnd, type Style } from "./style.js";
import { formatTimestamp } from "./values.js";

const PHASES: Record<StageState, StagePhase> = {
  PENDING: "pending",
  RUNNING: "running",
  RETRY_WAIT: "retrying",
  SUSPENDED: "suspended",
  COMPLETED: "completed",
  FAILED: "failed",
  CANCELLED: "cancelled",
  SKIPPED: "skipped",
};

/** `ratchet status --timeline`. */
export const TIMELINE_OPTION: OptionSpec = {
  type: "boolean",
  description:
    "also print the run's timeline: one line per event (created, started, each attempt's start and end with its duration, retries, waits, the end), times relative to the run's creation",
};

/** Frames of a stored stack shown under an earlier attempt's error in the text view. */
const STACK_FRAMES_SHOWN = 1;

/** `in 12.0 s` / `5.00 s ago`. */
export function relative(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime();
  return ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} ago`;
}

/** `attempt 2/3` (`attempt 2` when the limit is unknown). */
function attemptText(stage: StageView): string {
  return stage.maxAttempts === null
    ? `attempt ${stage.attempt}`
    : `attempt ${stage.attempt}/${stage.maxAttempts}`;
}

/** The first frames of a stored stack, indented. */
function stackLines(error: StoredError, indent: string, style: Style): string[] {
  if (!error.stack) return [];
  return error.stack
    .split("\n")
    .slice(0, STACK_FRAMES_SHOWN)
    .map((frame) => `${indent}${style.dim(frame)}`);
}

/** The lines of one stage: its state line, then what it waits for and its earlier attempts. */
function stageLines(
  stage: StageView,
  inspection: RunInspection,
  width: number,
  style: Style,
): string[] {
  const { now, run } = inspection;
  const parts = [
    `  ${phaseSymbol(PHASES[stage.state], style)} ${padEnd(stage.stageId, width)}`,
    padEnd(stage.state, 10),
    padEnd(attemptText(stage), 11),
  ];
  const took =
    stage.startedAt && stage.finishedAt
      ? formatDuration(stage.finishedAt.getTime() - stage.startedAt.getTime())
      : "";
  if (took) parts.push(padEnd(took, 9));
  if (stage.lease) {
    const lease = stage.lease;
    const heartbeat = `heartbeat ${formatDuration(lease.heartbeatAgeMs)} ago`;
    parts.push(
      lease.expired
        ? style.red(
            `on ${lease.workerId} (lease expired ${formatDuration(now.getTime() - lease.until.getTime())} ago, ${heartbeat}; it will be reaped)`,
          )
        : `on ${lease.workerId} (${heartbeat})`,
    );
  }
  const lines = [parts.join("  ").trimEnd()];
  const indent = `    ${" ".repeat(width)}  `;
  const times: string[] = [];
  if (stage.startedAt) times.push(`started ${formatTimestamp(stage.startedAt)}`);
  if (stage.finishedAt) times.push(`finished ${formatTimestamp(stage.finishedAt)}`);
  if (times.length > 0) lines.push(`${indent}${style.dim(times.join(", "))}`);
  if (stage.nextRetryAt)
    lines.push(
      `${indent}${style.yellow(`next retry at ${formatTimestamp(stage.nextRetryAt)} (${relative(stage.nextRetryAt, now)})`)}`,
    );
  if (stage.nextCheckAt)
    lines.push(
      `${indent}${style.yellow(`${stage.suspendedFor === "sleep" ? "sleeps until" : "next check at"} ${formatTimestamp(stage.nextCheckAt)} (${relative(stage.nextCheckAt, now)})`)}`,
    );
  if (stage.wait)
    lines.push(`${indent}${style.yellow(waitText(stage.wait, run.id, stage.stageId))}`);
  for (const attempt of stage.attempts) {
    if (attempt.outcome !== "failed" || !attempt.error) continue;
    const after = attempt.durationMs === null ? "" : ` after ${formatDuration(attempt.durationMs)}`;
    lines.push(
      `${indent}attempt ${attempt.attempt} failed${after}: ${style.red(errorText(attempt.error))}`,
      ...stackLines(attempt.error, `${indent}  `, style),
    );
  }
  return lines;
}

/**
 * The stages section of `ratchet status` from an inspection, in `order` (the workflow's stage
 * ids, when known; else group order).
 */
export function inspectionStageLines(
  inspection: RunInspection,
  style: Style,
  order: readonly string[] = [],
): string[] {
  const position = (id: string) => {
    const index = order.indexOf(id);
    return index === -1 ? Number.MAX_SAFE_INTEGER : index;
  };
  const stages = [...inspection.stages].sort(
    (a, b) =>
      a.groupIndex - b.groupIndex ||
      position(a.stageId) - position(b.stageId) ||
      a.stageId.localeCompare(b.stageId),
  );
  if (stages.length === 0) return [];
  const width = Math.max(...stages.map((s) => s.stageId.length));
  return [
    "",
    style.bold("stages"),
    ...stages.flatMap((stage) => stageLines(stage, inspection, width, style)),
  ];
}

/** `+1.25 s` from the run's creation. */
function offset(at: Date, start: Date): string {
  const ms = at.getTime() - start.getTime();
  return ms < 0 ? `-${formatDuration(-ms)}` : `+${formatDuration(ms) || "0 ms"}`;
}

/**
 * The run's timeline, one line per entry: its time relative to the run's creation, then what
 * happened (attempts with their durations).
 */
export function timelineLines(inspection: RunInspection, style: Style): string[] {
  const start = inspection.run.createdAt;
  const entries = inspection.timeline;
  const width = Math.max(0, ...entries.map((e) => offset(e.at, start).length));
  return [
    "",
    style.bold("timeline"),
    ...entries.map((entry) => {
      const text =
        entry.kind === "attempt.failed" ||
        entry.kind === "attempt.retry" ||
        entry.kind === "run.failed"
          ? style.red(entry.text)
          : entry.kind === "attempt.running"
            ? style.yellow(entry.text)
            : entry.text;
      return `  ${style.dim(padEnd(offset(entry.at, start), width))}  ${text}`;
    }),
  ];
}

/** `ratchet explain`'s text: the sentence, then the facts, one per line. */
export function explanationLines(explanation: Explanation, style: Style): string[] {
  const facts = Object.entries(explanation.facts).filter(([, value]) => value !== null);
  const width = Math.max(0, ...facts.map(([name]) => name.length));
  return [
    explanation.summary,
    "",
    ...facts.map(([name, value]) => `  ${style.dim(padEnd(name, width))}  ${String(value)}`),
  ];
}
