/**
 * A stage's live view, derived from its record, its job and the run's events: nothing is
 * written when an attempt starts, so a `PENDING` record whose job is leased is shown
 * `RUNNING`, with the worker holding the lease and the age of its last heartbeat.
 */
import {
  type JobRecord,
  type JsonObject,
  type OutboxRecord,
  type StageRecord,
  TERMINAL_STAGE_STATUSES,
} from "../records.js";
import { stageWaitOf } from "../stage-wait.js";
import { dateField, errorField, numberField, stageOf, stringField } from "./event-fields.js";
import type { AttemptView, LeaseView, StageState, StageView } from "./types.js";

/** Events that end an attempt, and the outcome each records. */
const OUTCOMES: Readonly<Record<string, AttemptView["outcome"]>> = {
  "workflow.step.completed": "completed",
  "workflow.step.retry": "failed",
  "workflow.step.failed": "failed",
  "workflow.step.suspended": "suspended",
  "workflow.step.sleeping": "suspended",
  "workflow.step.waiting": "suspended",
};

/** The last job of each stage (jobs come oldest first). */
export function lastJobs(jobs: readonly JobRecord[]): Map<string, JobRecord> {
  const byStage = new Map<string, JobRecord>();
  for (const job of jobs) byStage.set(job.stageId, job);
  return byStage;
}

/** The run's events grouped by stage, in sequence. */
export function eventsByStage(events: readonly OutboxRecord[]): Map<string, OutboxRecord[]> {
  const byStage = new Map<string, OutboxRecord[]>();
  for (const event of events) {
    const stageId = stageOf(event);
    if (stageId === null) continue;
    const list = byStage.get(stageId);
    if (list) list.push(event);
    else byStage.set(stageId, [event]);
  }
  return byStage;
}

/** The lease of a `RUNNING` job, or `null`. */
export function leaseOf(job: JobRecord | undefined, now: Date): LeaseView | null {
  if (job?.status !== "RUNNING" || job.lockedBy === null || job.lockedUntil === null) return null;
  return {
    workerId: job.lockedBy,
    until: job.lockedUntil,
    heartbeatAgeMs: Math.max(0, now.getTime() - job.updatedAt.getTime()),
    expired: job.lockedUntil.getTime() <= now.getTime(),
  };
}

/** The attempts the events record, then the running one and what only the record knows. */
function attemptsOf(
  record: StageRecord,
  job: JobRecord | undefined,
  events: readonly OutboxRecord[],
): AttemptView[] {
  const started = new Map<number, Date>();
  const attempts: AttemptView[] = [];
  for (const event of events) {
    const attempt = numberField(event.payload, "attempt");
    if (attempt === undefined) continue;
    if (event.type === "workflow.step.started") {
      if (!started.has(attempt))
        started.set(attempt, dateField(event.payload, "startedAt") ?? event.occurredAt);
      continue;
    }
    const outcome = OUTCOMES[event.type];
    if (outcome === undefined) continue;
    attempts.push(ended(attempt, outcome, event.occurredAt, event.payload));
  }
  // Starts come with the attempt's settlement, so they are matched once all are read.
  for (const view of attempts) {
    const at = started.get(view.attempt) ?? (view.attempt === 1 ? record.startedAt : null);
    view.startedAt = at ?? null;
    view.durationMs = at ? view.at.getTime() - at.getTime() : null;
  }
  const terminal = attempts.some((a) => a.outcome === "completed" || a.outcome === "failed");
  if (job?.status === "RUNNING" && !terminalStatus(record)) {
    const at =
      started.get(job.attempt) ?? (job.attempt === 1 && record.startedAt ? record.startedAt : null);
    attempts.push({
      attempt: job.attempt,
      outcome: "running",
      at: at ?? job.availableAt,
      startedAt: at,
      durationMs: null,
    });
  } else if (record.error !== null && !attempts.some((a) => a.attempt === record.attempt)) {
    // The events of this attempt are gone (purged) or were never written: the record's error.
    attempts.push({
      attempt: record.attempt,
      outcome: "failed",
      at: record.updatedAt,
      startedAt: null,
      durationMs: null,
      error: record.error,
    });
  } else if (record.status === "CANCELLED" && !terminal && record.attempt > 0) {
    attempts.push({
      attempt: record.attempt,
      outcome: "cancelled",
      at: record.completedAt ?? record.updatedAt,
      startedAt: null,
      durationMs: null,
    });
  }
  return attempts;
}

/** An attempt ended by an event. */
function ended(
  attempt: number,
  outcome: AttemptView["outcome"],
  at: Date,
  payload: JsonObject,
): AttemptView {
  const view: AttemptView = { attempt, outcome, at, startedAt: null, durationMs: null };
  const error = errorField(payload);
  if (error) view.error = error;
  const retryAt = dateField(payload, "retryAt");
  if (retryAt) view.retryAt = retryAt;
  return view;
}

/** Whether the record is in a terminal status. */
function terminalStatus(record: StageRecord): boolean {
  return TERMINAL_STAGE_STATUSES.includes(record.status);
}

/** The state shown for a record given its job (see {@link StageState}). */
export function stateOf(record: StageRecord, job: JobRecord | undefined, now: Date): StageState {
  if (record.status !== "PENDING" && record.status !== "RUNNING") return record.status;
  if (job?.status === "RUNNING") return "RUNNING";
  if (
    job?.status === "PENDING" &&
    record.error !== null &&
    job.availableAt.getTime() > now.getTime()
  )
    return "RETRY_WAIT";
  return record.status;
}

/** The stage's progress report, when it has one. */
function progressOf(record: StageRecord): StageView["progress"] {
  const stored = record.progress;
  if (stored === null) return null;
  const progress = numberField(stored, "progress");
  if (progress === undefined) return null;
  const message = stringField(stored, "message");
  return message === undefined ? { progress } : { progress, message };
}

/** The view of one stage record. */
export function stageViewOf(
  record: StageRecord,
  job: JobRecord | undefined,
  events: readonly OutboxRecord[],
  now: Date,
): StageView {
  const state = stateOf(record, job, now);
  const attempts = attemptsOf(record, job, events);
  const lease = state === "RUNNING" ? leaseOf(job, now) : null;
  const waiting = !terminalStatus(record) && job?.status === "PENDING" && record.error !== null;
  const wait = stageWaitOf(record);
  const sleepUntil = record.pollConfig ? dateField(record.pollConfig, "sleepUntil") : undefined;
  const suspended = record.status === "SUSPENDED";
  const retryMax = events
    .map((e) =>
      e.type === "workflow.step.retry" ? numberField(e.payload, "maxAttempts") : undefined,
    )
    .filter((n): n is number => n !== undefined);
  const view: StageView = {
    stageId: record.stageId,
    groupIndex: record.groupIndex,
    state,
    status: record.status,
    attempt: Math.max(record.attempt, job?.attempt ?? 0),
    maxAttempts: job?.maxAttempts ?? retryMax[retryMax.length - 1] ?? null,
    lease,
    // A running first attempt with no recorded start: since its job became available.
    startedAt:
      record.startedAt ??
      attempts.find((a) => a.startedAt)?.startedAt ??
      attempts.find((a) => a.outcome === "running")?.at ??
      null,
    finishedAt: terminalStatus(record) ? record.completedAt : null,
    nextRetryAt: waiting && job ? job.availableAt : null,
    nextCheckAt: suspended && !wait ? (sleepUntil ?? record.nextPollAt) : null,
    suspendedFor: suspended ? (wait ? "wait" : sleepUntil ? "sleep" : "poll") : null,
    attempts,
    error: record.error,
    progress: progressOf(record),
  };
  if (wait) view.wait = wait;
  return view;
}
