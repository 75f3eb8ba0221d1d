/**
 * What {@link inspectRun} answers: a run as an operator sees it — each stage's live state
 * (running included, derived from its job's lease, not from a write per stage), its attempts
 * with their errors, the lease holder and heartbeat age, and the run's timeline.
 */
import type { StartRateState } from "../ports/persistence/flow-limits.js";
import type {
  JobRecord,
  OutboxRecord,
  RunRecord,
  RunStatus,
  StageRecord,
  StoredError,
} from "../records.js";
import type { StageWait } from "../stage-wait.js";

/**
 * A stage's state as shown to people. The stage record's status, except that a `PENDING` record
 * whose job is leased is `RUNNING` (the kernel writes nothing when an attempt starts), and one
 * whose failed attempt waits for its back-off is `RETRY_WAIT`.
 */
export type StageState =
  | "PENDING"
  | "RUNNING"
  | "RETRY_WAIT"
  | "SUSPENDED"
  | "COMPLETED"
  | "FAILED"
  | "CANCELLED"
  | "SKIPPED";

/** The worker holding a running attempt's job. */
export interface LeaseView {
  /** The worker (`lockedBy` of the job). */
  workerId: string;
  /** When the lease ends unless renewed (`lockedUntil`). */
  until: Date;
  /**
   * How long ago the worker last renewed the lease (its heartbeat) or took the job: `now` minus
   * the job's `updatedAt`, which the dequeue and every renewal set.
   */
  heartbeatAgeMs: number;
  /** The lease ended before `now`: the worker is likely gone and `lease.reapStale` will free the job. */
  expired: boolean;
}

/** One attempt's outcome (a stage may have several outcomes for one attempt: suspended, then completed). */
export interface AttemptView {
  /** 1 for the first attempt. */
  attempt: number;
  outcome: "running" | "failed" | "completed" | "suspended" | "cancelled";
  /**
   * When the outcome happened; for a `running` attempt, when it is known to have been running
   * since (its start when recorded, else when its job became available — nothing is written
   * when an attempt starts).
   */
  at: Date;
  /** When the attempt started, when known (`workflow.step.started`, or the stage record). */
  startedAt: Date | null;
  /** `at - startedAt` for an ended attempt whose start is known. */
  durationMs: number | null;
  /** The attempt's error (a failure), with its trimmed stack when it was thrown with one. */
  error?: StoredError;
  /** The back-off's end, for a failure that was retried. */
  retryAt?: Date;
}

/** A stage of the run, as {@link inspectRun} sees it. */
export interface StageView {
  stageId: string;
  groupIndex: number;
  state: StageState;
  /** The stage record's status, as stored. */
  status: StageRecord["status"];
  /** The attempt running now, or the last one started (0 before the first). */
  attempt: number;
  /** Attempts the stage's job may use; `null` when no job of it is known. */
  maxAttempts: number | null;
  /** The worker executing the stage, when its job is leased. */
  lease: LeaseView | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** When the next attempt may start (`RETRY_WAIT`, or a retry already due). */
  nextRetryAt: Date | null;
  /** A suspended poll's next check, or a sleep's end. */
  nextCheckAt: Date | null;
  /** `sleep`: a sleep step until `nextCheckAt`; `poll`: an async-batch or poll step. */
  suspendedFor: "sleep" | "poll" | "wait" | null;
  /** Every attempt's outcome, oldest first (from the run's events and the records). */
  attempts: AttemptView[];
  /** The last error stored on the stage (the last failed attempt's). */
  error: StoredError | null;
  /** What a waiting stage waits for (a signal, approval, child run or map). */
  wait?: StageWait;
  /** The stage's last progress report, when it reported one. */
  progress: { progress: number; message?: string } | null;
}

/** One line of a run's timeline. */
export interface TimelineEntry {
  at: Date;
  /** The stage it concerns; `null` for the run itself. */
  stageId: string | null;
  /**
   * `run.created`, `run.started`, `run.completed`, `run.failed`, `run.cancelled`,
   * `attempt.started`, `attempt.running`, `attempt.completed`, `attempt.failed`,
   * `attempt.retry`, `stage.suspended`, `stage.sleeping`, `stage.waiting`, `stage.poll`,
   * `signal.received`, `event.dead-lettered`, or another event's type.
   */
  kind: string;
  /** One line for people, e.g. `attempt 2 failed after 1.2 s: TIMEOUT upstream timed out`. */
  text: string;
  attempt?: number;
  durationMs?: number;
}

/** An outbox event that was moved to the dead-letter queue (never published). */
export interface DeadLetterView {
  id: string;
  type: string;
  sequence: number;
  dlqAt: Date;
  lastError: string | null;
}

/** Runs holding the slots of a run's concurrency key. */
export interface ConcurrencyView {
  key: string;
  /** The `RUNNING` runs of the same workflow with the same key (at most a page of them). */
  holders: string[];
}

/** A child run a stage waits for, with its status (`null`: not found). */
export interface ChildView {
  stageId: string;
  runId: string;
  status: RunStatus | null;
}

/** A stage waiting for a circuit breaker: the breaker's state when the inspection read it. */
export interface BreakerWaitView {
  stageId: string;
  breaker: string;
  state: "OPEN" | "HALF_OPEN";
  openedAt: Date | null;
  /** Failures in the window that opened it. */
  openedFailures: number;
  /** When the open breaker lets a probe through. */
  halfOpenAt: Date | null;
  /** When the deferred job is available again. */
  until: Date | null;
}

/** The run as an operator sees it: see {@link inspectRun}. */
export interface RunInspection {
  run: RunRecord;
  stages: StageView[];
  timeline: TimelineEntry[];
  /** The run's dead-lettered outbox events. */
  deadLetters: DeadLetterView[];
  /** Who holds the run's concurrency slots, when it has a key and this was looked up. */
  concurrency: ConcurrencyView | null;
  /** Child runs its waiting stages wait for, with their status, when looked up. */
  children: ChildView[];
  /** Stages deferred by an open circuit breaker, when looked up. */
  breakers?: BreakerWaitView[];
  /** A pending run's key's start-rate state (rate limit or throttle), when looked up. */
  startRate?: StartRateState;
  /** The time the inspection describes. */
  now: Date;
}

/** What {@link inspectRun} reads: the records, as `RunQueries` returns them. */
export interface InspectInput {
  run: RunRecord;
  stages: readonly StageRecord[];
  /** Every job of the run (`RunQueries.listJobs`). */
  jobs: readonly JobRecord[];
  /** Every outbox event of the run, in sequence (`RunQueries.listEvents`). */
  events: readonly OutboxRecord[];
  now: Date;
  /** Who holds the concurrency slots (see {@link ConcurrencyView}). */
  concurrency?: ConcurrencyView | null;
  /** The children waited for, with their status (see {@link ChildView}). */
  children?: readonly ChildView[];
  /** Stages deferred by an open circuit breaker (see `breaker-wait.ts`). */
  breakers?: readonly BreakerWaitView[];
  /** A pending run's key's start-rate state (`RunQueries.getStartRate`). */
  startRate?: StartRateState | null;
}
