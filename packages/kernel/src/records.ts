/**
 * The rows Ratchet stores, as every persistence adapter must hand them back.
 *
 * Glossary:
 * - **run**: one execution of a workflow for one input.
 * - **stage**: one step of a workflow; a run has one stage record per stage it reached.
 * - **execution group**: stages that run together (one stage, or a parallel group); groups run
 *   in order, the next starts when every stage of the current one has completed.
 * - **job**: a unit of work on the job transport that executes one stage attempt.
 * - **outbox event**: an event written in the same transaction as the state change it describes
 *   and published later by `outbox.flush`.
 *
 * Values in `input`, `config`, `output`, `payload` and similar fields are *encoded* JSON
 * (see {@link JsonValue}); the kernel encodes and decodes them (dates survive the trip), so
 * adapters store and return them verbatim.
 */

import type { JsonObject, JsonValue } from "./json.js";

export type { JsonObject, JsonValue } from "./json.js";

/**
 * Lifecycle of a run. `SCHEDULED`: created with a later start (`startAt` / `delay`), or a
 * fan-out item waiting for a free slot; no worker claims it until it becomes `PENDING`.
 * `COMPLETED`, `FAILED`, `CANCELLED` and `TIMED_OUT` (the workflow's
 * timeout passed) are terminal. `COMPENSATING`: the run failed or was cancelled after stages
 * with a `compensate` completed, and their compensations are running (not terminal); it ends
 * `COMPENSATED` (every compensation committed) or `COMPENSATION_FAILED` (one used up its
 * attempts), both terminal — `control.compensation.cause` says whether it had failed or was
 * cancelled, `error` why.
 */
export type RunStatus =
  | "SCHEDULED"
  | "PENDING"
  | "RUNNING"
  | "COMPENSATING"
  | "COMPLETED"
  | "FAILED"
  | "CANCELLED"
  | "TIMED_OUT"
  | "COMPENSATED"
  | "COMPENSATION_FAILED";

/** Lifecycle of a stage record (`SKIPPED`: a choice took another branch); see the terminal ones. */
export type StageStatus =
  | "PENDING"
  | "RUNNING"
  | "SUSPENDED"
  | "COMPLETED"
  | "FAILED"
  | "CANCELLED"
  | "SKIPPED";

/** Lifecycle of a job on the transport. */
export type JobStatus = "PENDING" | "RUNNING" | "COMPLETED" | "SUSPENDED" | "FAILED" | "CANCELLED";

/** Terminal run statuses: once reached, a run never changes again (except by `run.rerunFrom`). */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = [
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMED_OUT",
  "COMPENSATED",
  "COMPENSATION_FAILED",
];

const STAGE_ENDS: readonly StageStatus[] = ["COMPLETED", "FAILED", "CANCELLED", "SKIPPED"];
/** Terminal stage statuses. */
export const TERMINAL_STAGE_STATUSES = STAGE_ENDS;

/** Whether a run status is terminal. */
export function isTerminalRunStatus(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}

/** A structured error as stored on runs, stages and jobs. */
export interface StoredError {
  /** Stable machine-readable code, e.g. `STAGE_FAILED` or the `code` of a thrown error. */
  code: string;
  message: string;
  /** Error class name, when known. */
  name?: string;
  /** Stage the error came from, when it came from one. */
  stageId?: string;
  /**
   * Where it was thrown, when it was thrown with a stack: the frames only (no message line), at
   * most 10 frames and 2,000 characters (see `trimStack`).
   */
  stack?: string;
}

/** A workflow run. */
export interface RunRecord {
  id: string;
  workflowId: string;
  /**
   * The version of the workflow definition the run started on (`""` for a run stored before
   * runs recorded versions). It continues only on a definition with this version and
   * {@link fingerprint}.
   */
  workflowVersion: string;
  /** The structural fingerprint of that definition's stage graph (`""`: stored before versions). */
  fingerprint: string;
  status: RunStatus;
  /** Incremented by every write; a write that names a stale version changes nothing. */
  version: number;
  /** Higher runs first. */
  priority: number;
  input: JsonValue;
  /** Per-stage config after defaults, keyed by stage id. */
  config: JsonObject;
  metadata: JsonObject;
  /**
   * Control-flow state the kernel keeps (which group the current one was entered from, the
   * route the last group chose, loop counters); `{}` for a run that only goes group by group.
   */
  control: JsonObject;
  /** Runs with the same key count against their workflow's concurrency limit; `null`: none. */
  concurrencyKey: string | null;
  output: JsonValue | null;
  error: StoredError | null;
  /** Index of the execution group the run is in (or was in when it ended). */
  currentGroup: number;
  /**
   * Stages of the current group that have not completed yet. Starting a group sets it to the
   * group's size; each stage completion takes one off, and the completion that brings it to 0
   * closes the group — one counter on the run row, so concurrent completions of a parallel
   * group agree on which of them was last without reading each other's stage rows.
   */
  groupRemaining: number;
  /** Sequence number of the last outbox event written for this run (0 before the first). */
  eventSeq: number;
  idempotencyKey: string | null;
  /** The run that started this one as a child workflow; `null`: started on its own. */
  parentRunId: string | null;
  /**
   * Set while a stage of the current group is suspended (a sleep, a poll, a signal, an approval,
   * a child, a map): the run is waiting, not stuck, so `run.reapStuck` does not read it. Cleared
   * when a suspended stage resumes (conservatively: with two suspended, at the first).
   */
  waiting: boolean;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

/** Fields a caller provides to create a run. */
export interface NewRun {
  id: string;
  workflowId: string;
  /** See {@link RunRecord.workflowVersion}. */
  workflowVersion: string;
  /** See {@link RunRecord.fingerprint}. */
  fingerprint: string;
  priority: number;
  input: JsonValue;
  config: JsonObject;
  metadata: JsonObject;
  /** Default `{}`. */
  control?: JsonObject;
  /** Default `null` (the run counts against no concurrency limit). */
  concurrencyKey?: string | null;
  idempotencyKey: string | null;
  eventSeq: number;
  createdAt: Date;
  /** Default `"PENDING"`; `"SCHEDULED"` holds the run until it is released. */
  status?: "PENDING" | "SCHEDULED";
  /** See {@link RunRecord.parentRunId}; default `null`. */
  parentRunId?: string | null;
}

/**
 * Fields of a run a command may change; `version` and `updatedAt` are set by the adapter. A
 * patch of `workflowVersion`/`fingerprint` (`run.migrate`) moves the run to another route key.
 */
export type RunPatch = Partial<
  Pick<
    RunRecord,
    | "workflowVersion"
    | "fingerprint"
    | "input"
    | "status"
    | "output"
    | "error"
    | "currentGroup"
    | "groupRemaining"
    | "eventSeq"
    | "metadata"
    | "control"
    | "startedAt"
    | "completedAt"
    | "waiting"
  >
>;

/** Where a stage's output lives: inline in the stage row, or in the blob store. */
export type OutputRef = { kind: "inline" } | { kind: "blob"; key: string };

/** One stage of one run. Outputs are read separately, see `Persistence.getStageOutputs`. */
export interface StageRecord {
  id: string;
  runId: string;
  stageId: string;
  groupIndex: number;
  status: StageStatus;
  /** Attempts started so far (0 before the first). */
  attempt: number;
  /** Where the output is, once the stage completed. */
  outputRef: OutputRef | null;
  /** State an async-batch stage returned when it suspended. */
  suspendedState: JsonValue | null;
  /** Poll configuration of a suspended stage. */
  pollConfig: JsonObject | null;
  nextPollAt: Date | null;
  /** Lease on polling a suspended stage, so two hosts never poll the same one. */
  pollLeaseUntil: Date | null;
  progress: JsonObject | null;
  error: StoredError | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

/** Fields a caller provides to create a stage record. */
export interface NewStage {
  id: string;
  runId: string;
  stageId: string;
  groupIndex: number;
  createdAt: Date;
  /** `SKIPPED`: a stage a choice did not take, created terminal (completed at `createdAt`). */
  status?: "SKIPPED";
}

/** The record a newly created stage has: `PENDING` (or `SKIPPED`), no attempt, nothing stored. */
export function newStageRecord(stage: NewStage): StageRecord {
  return {
    id: stage.id,
    runId: stage.runId,
    stageId: stage.stageId,
    groupIndex: stage.groupIndex,
    status: stage.status ?? "PENDING",
    attempt: 0,
    outputRef: null,
    suspendedState: null,
    pollConfig: null,
    nextPollAt: null,
    pollLeaseUntil: null,
    progress: null,
    error: null,
    createdAt: new Date(stage.createdAt.getTime()),
    updatedAt: new Date(stage.createdAt.getTime()),
    startedAt: null,
    completedAt: stage.status === "SKIPPED" ? new Date(stage.createdAt.getTime()) : null,
  };
}

/** Fields of a stage a command may change. */
export type StagePatch = Partial<
  Pick<
    StageRecord,
    | "status"
    | "attempt"
    | "outputRef"
    | "suspendedState"
    | "pollConfig"
    | "nextPollAt"
    | "pollLeaseUntil"
    | "progress"
    | "error"
    | "startedAt"
    | "completedAt"
  >
> & {
  /** The output value when `outputRef` is inline. */
  output?: JsonValue | null;
};

/** A stored stage output, addressed by run and stage id. */
export interface StageOutputKey {
  runId: string;
  stageId: string;
}

/** A log line written by a stage through `ctx.log`. */
export interface LogRecord {
  id: string;
  runId: string;
  stageId: string | null;
  level: LogLevel;
  message: string;
  data: JsonValue | null;
  createdAt: Date;
}

/** Log severity. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** An event in the transactional outbox. */
export interface OutboxRecord {
  id: string;
  runId: string;
  /** Per-run sequence, starting at 1, without gaps. */
  sequence: number;
  type: string;
  payload: JsonObject;
  occurredAt: Date;
  publishedAt: Date | null;
  retryCount: number;
  /** The event is not handed out before this time (back-off after a failed publish). */
  availableAt: Date;
  /** Set when the event was moved to the dead-letter queue. */
  dlqAt: Date | null;
  lastError: string | null;
}

/** Fields a caller provides to append an outbox event. */
export interface NewOutboxEvent {
  id: string;
  runId: string;
  sequence: number;
  type: string;
  payload: JsonObject;
  occurredAt: Date;
}

/** A job as handed to a worker by `JobTransport.dequeue`. */
export interface DequeuedJob {
  jobId: string;
  workflowRunId: string;
  workflowId: string;
  stageId: string;
  priority: number;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  payload: JsonObject;
  /**
   * The run and its stage records as they were when the job was handed out, when the one
   * handing it out knew them (a local continuation); `job.execute` then reads nothing first.
   * `omitsGroupMembers`: the other members of the job's own group are left out (a store's
   * lease); `job.execute` reads the run where it needs them. Never part of a queue message.
   */
  snapshot?: { run: RunRecord; stages: StageRecord[]; omitsGroupMembers?: true };
}

/** A job as stored on the transport (full row). */
export interface JobRecord extends Omit<DequeuedJob, "snapshot"> {
  /** The route key of its run's definition (see {@link NewJob.route}). */
  route: string;
  status: JobStatus;
  availableAt: Date;
  lockedBy: string | null;
  lockedUntil: Date | null;
  lastError: StoredError | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Fields a caller provides to enqueue a job. */
export interface NewJob {
  jobId: string;
  workflowRunId: string;
  workflowId: string;
  /**
   * The route key of the run's definition (`routeKey` of its workflow id, version and
   * fingerprint): only workers whose registry serves it dequeue the job.
   */
  route: string;
  stageId: string;
  priority: number;
  maxAttempts: number;
  payload: JsonObject;
  /** Not dequeued before this time. */
  availableAt: Date;
  /** Its run's creation time: older runs' jobs go first (`jobOrderAt`; absent: availableAt). */
  runCreatedAt?: Date;
  /**
   * Enqueue the job already leased to this worker (status `RUNNING`, attempt 1): the worker
   * that committed the previous stage continues the run without a dequeue.
   */
  claimedBy?: { workerId: string; leaseUntil: Date };
}

/** A command the scheduler will hand back once `runAt` has passed. */
export interface ScheduledCommand {
  id: string;
  /** Command type to dispatch, e.g. `run.transition`. */
  type: string;
  /** Identifies the schedule together with `type`; scheduling again replaces it. */
  correlationId: string;
  payload: JsonObject;
  runAt: Date;
}

export * from "./schedule-records.js";
export * from "./signal-records.js";
