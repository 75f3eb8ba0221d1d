/**
 * A run's timeline: its creation, start and end, each stage attempt's start and end (with its
 * duration and error), retries, suspensions and waits, signals and dead-lettered events — read
 * from the run's outbox events and records, oldest first.
 */
import type { OutboxRecord, RunRecord } from "../records.js";
import {
  dateField,
  describeError,
  errorField,
  formatDuration,
  numberField,
  stageOf,
  stringField,
} from "./event-fields.js";
import type { StageView, TimelineEntry } from "./types.js";

/** `stage "fetch"`. */
const named = (stageId: string | null) => `stage "${stageId ?? "?"}"`;

/** The entry an event adds to the timeline, or `undefined` for events not shown. */
function entryOf(event: OutboxRecord): TimelineEntry | undefined {
  const p = event.payload;
  const stageId = stageOf(event);
  const attempt = numberField(p, "attempt");
  const at = event.occurredAt;
  const base = { at, stageId, ...(attempt === undefined ? {} : { attempt }) };
  const error = errorField(p);
  const err = error ? describeError(error) : "unknown error";
  switch (event.type) {
    case "workflow.created":
      return undefined;
    case "workflow.started": {
      const worker = stringField(p, "workerId");
      const from = stringField(p, "rerunFrom");
      const by = from ? ` (rerun from "${from}")` : worker ? ` by ${worker}` : "";
      return { ...base, kind: "run.started", text: `run started${by}` };
    }
    case "workflow.completed":
      return { ...base, kind: "run.completed", text: "run completed" };
    case "workflow.failed": {
      const status = stringField(p, "status");
      const timedOut = status === "TIMED_OUT";
      const after =
        status === "COMPENSATED" || status === "COMPENSATION_FAILED"
          ? ` (${status.toLowerCase()})`
          : "";
      return {
        ...base,
        kind: "run.failed",
        text: `run ${timedOut ? "timed out" : "failed"}${after}: ${err}`,
      };
    }
    case "workflow.cancelled":
      return {
        ...base,
        kind: "run.cancelled",
        text: `run cancelled: ${stringField(p, "reason") ?? "no reason given"}`,
      };
    case "workflow.step.started":
      return {
        ...base,
        at: dateField(p, "startedAt") ?? at,
        kind: "attempt.started",
        text: `${named(stageId)} attempt ${attempt ?? "?"} started`,
      };
    case "workflow.step.completed": {
      const durationMs = numberField(p, "durationMs");
      const took = durationMs === undefined ? "" : ` in ${formatDuration(durationMs)}`;
      return {
        ...base,
        ...(durationMs === undefined ? {} : { durationMs }),
        kind: "attempt.completed",
        text: `${named(stageId)} attempt ${attempt ?? "?"} completed${took}`,
      };
    }
    case "workflow.step.retry": {
      const retryAt = stringField(p, "retryAt") ?? "?";
      const max = numberField(p, "maxAttempts");
      const next = attempt === undefined ? "next attempt" : `attempt ${attempt + 1}`;
      return {
        ...base,
        kind: "attempt.retry",
        text: `${named(stageId)} attempt ${attempt ?? "?"} failed: ${err}; ${next}${max ? ` of ${max}` : ""} at ${retryAt}`,
      };
    }
    case "workflow.step.failed":
      return {
        ...base,
        kind: "attempt.failed",
        text: `${named(stageId)} attempt ${attempt ?? "?"} failed: ${err} (no retry left)`,
      };
    case "workflow.step.suspended":
      return {
        ...base,
        kind: "stage.suspended",
        text: `${named(stageId)} suspended; next check at ${stringField(p, "nextPollAt") ?? "?"}`,
      };
    case "workflow.step.sleeping":
      return {
        ...base,
        kind: "stage.sleeping",
        text: `${named(stageId)} sleeping until ${stringField(p, "until") ?? "?"}`,
      };
    case "workflow.step.waiting": {
      const kind = stringField(p, "kind") ?? "signal";
      const name = stringField(p, "name") ?? "?";
      const child = stringField(p, "childRunId");
      const what = child ? `child run ${child}` : `${kind} "${name}"`;
      return { ...base, kind: "stage.waiting", text: `${named(stageId)} waiting for ${what}` };
    }
    case "workflow.step.poll":
      return {
        ...base,
        kind: "stage.poll",
        text: `${named(stageId)} check ${numberField(p, "check") ?? "?"}: not done; next at ${stringField(p, "nextCheckAt") ?? "?"}`,
      };
    case "workflow.signal.received":
      return {
        ...base,
        kind: "signal.received",
        text: `signal "${stringField(p, "name") ?? "?"}" received`,
      };
    case "workflow.progress":
      return undefined;
    default:
      return { ...base, kind: event.type, text: event.type };
  }
}

/**
 * The timeline of a run, oldest first (ties in event order): built from its record, its events
 * and its stages' views (a running attempt, which no event records yet).
 */
export function buildTimeline(
  run: RunRecord,
  events: readonly OutboxRecord[],
  stages: readonly StageView[],
): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    {
      at: run.createdAt,
      stageId: null,
      kind: "run.created",
      text: `run created (${run.status === "SCHEDULED" ? "scheduled" : "pending"})`,
    },
  ];
  for (const event of events) {
    const entry = entryOf(event);
    if (entry) entries.push(entry);
    if (event.dlqAt !== null) {
      entries.push({
        at: event.dlqAt,
        stageId: stageOf(event),
        kind: "event.dead-lettered",
        text: `event ${event.type} #${event.sequence} dead-lettered${event.lastError ? `: ${event.lastError}` : ""}`,
      });
    }
  }
  for (const stage of stages) {
    for (const attempt of stage.attempts) {
      if (attempt.outcome !== "running") continue;
      const worker = stage.lease ? ` on ${stage.lease.workerId}` : "";
      entries.push({
        at: attempt.at,
        stageId: stage.stageId,
        attempt: attempt.attempt,
        kind: "attempt.running",
        text: `${named(stage.stageId)} attempt ${attempt.attempt} running${worker}`,
      });
    }
  }
  // Stable: entries at the same time keep the order they were added in (event order).
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.at.getTime() - b.entry.at.getTime() || a.index - b.index)
    .map(({ entry }) => entry);
}
