/**
 * The commands the kernel processes, and what each returns. A command is a plain object with
 * a `type`; `kernel.dispatch(command)` returns the result type that belongs to that `type`.
 */
import type { DequeuedJob, RunStatus } from "../records.js";

/** Creates a run (status `PENDING`); validates input and config first. */
export interface RunCreateCommand {
  type: "run.create";
  workflowId: string;
  input: unknown;
  /** Per-stage config, keyed by stage id; each is validated against the stage's config schema. */
  config?: Record<string, unknown>;
  /** Higher runs first (default 0). */
  priority?: number;
  metadata?: Record<string, unknown>;
  /** A second `run.create` with the same key returns the first run instead of creating one. */
  idempotencyKey?: string;
}
/** Result of `run.create`. */
export interface RunCreateResult {
  workflowRunId: string;
  status: RunStatus;
  /** True when an earlier command with the same idempotency key created the run. */
  replayed: boolean;
}

/** Claims pending runs: moves them to `RUNNING` and enqueues their first stages. */
export interface RunClaimPendingCommand {
  type: "run.claimPending";
  workerId: string;
  /** Most runs to claim (default 10). */
  maxClaims?: number;
  /**
   * Lease up to this many of the claimed runs' first jobs to `workerId` right away, instead of
   * queueing them: the result's `jobs` holds them, each with a snapshot of its run, for the
   * worker to run now (no dequeue, no read). Needs a job transport that stores jobs already
   * leased (`enqueuesClaimed`) and joins transactions; ignored otherwise. Default 0.
   */
  continueWith?: number;
  /** Lease of the jobs handed back by `continueWith` (default: the kernel's `jobLeaseMs`); use the host's own. */
  leaseMs?: number;
}
/** Result of `run.claimPending`. */
export interface RunClaimPendingResult {
  claimed: Array<{ workflowRunId: string; workflowId: string; jobIds: string[] }>;
  /** Jobs leased to the claiming worker (see `continueWith`). */
  jobs?: DequeuedJob[];
  /** Runs that could not start (e.g. their workflow is not registered) and were failed. */
  failed: Array<{ workflowRunId: string; code: string }>;
}

/** Executes one dequeued job (one stage attempt) and commits its result. */
export interface JobExecuteCommand {
  type: "job.execute";
  workerId: string;
  job: DequeuedJob;
  /** Aborts the stage (host shutdown or timeout); it is linked to `ctx.signal`. */
  signal?: AbortSignal;
  /**
   * How many of the jobs this stage starts (the next group's) the worker will run itself,
   * right after the commit (default 0). They are enqueued already leased to `workerId` and
   * returned in `next`, each with a snapshot of the run, so continuing a run costs no dequeue
   * and no read. The worker must execute (or `release`) every job it gets back.
   */
  continueWith?: number;
  /** Lease of the jobs handed back by `continueWith` (default: the kernel's `jobLeaseMs`); use the host's own. */
  leaseMs?: number;
}
/** Result of `job.execute`. */
export type JobExecuteResult =
  | {
      outcome: "completed";
      workflowRunId: string;
      stageId: string;
      runStatus: RunStatus;
      /** Jobs leased to this worker to run next (see `continueWith`). */
      next?: DequeuedJob[];
    }
  | { outcome: "suspended"; workflowRunId: string; stageId: string; nextPollAt: Date }
  | {
      outcome: "retrying";
      workflowRunId: string;
      stageId: string;
      retryAt: Date;
      error: { code: string; message: string };
    }
  | {
      outcome: "failed";
      workflowRunId: string;
      stageId: string;
      error: { code: string; message: string };
    }
  /** The run was cancelled or has ended; nothing was written for the stage. */
  | { outcome: "cancelled"; workflowRunId: string; stageId: string }
  /** The stage was already settled (duplicate delivery) or the job was stale; nothing changed. */
  | { outcome: "skipped"; workflowRunId: string; stageId: string; reason: string };

/** Renews the leases of running jobs and reports which ones should stop. */
export interface JobHeartbeatCommand {
  type: "job.heartbeat";
  workerId: string;
  jobIds: string[];
  /** Lease length (default: the kernel's `jobLeaseMs`). */
  leaseMs?: number;
}
/** Result of `job.heartbeat`. */
export interface JobHeartbeatResult {
  renewed: string[];
  /** Jobs this worker no longer holds. Their `ctx.signal` was aborted if they run here. */
  lost: string[];
  /** Jobs whose run was cancelled or ended. Their `ctx.signal` was aborted if they run here. */
  cancelled: string[];
}

/** Re-evaluates a run: advances it past a completed group, fails it, or re-enqueues lost jobs. */
export interface RunTransitionCommand {
  type: "run.transition";
  workflowRunId: string;
}
/** Result of `run.transition`. */
export interface RunTransitionResult {
  workflowRunId: string;
  action: "advanced" | "completed" | "failed" | "requeued" | "waiting" | "noop";
  status: RunStatus;
}

/** Checks suspended async-batch stages that are due. */
export interface StagePollSuspendedCommand {
  type: "stage.pollSuspended";
  workerId: string;
  /** Most stages to check (default 10). */
  maxChecks?: number;
}
/** Result of `stage.pollSuspended`. */
export interface StagePollSuspendedResult {
  checked: number;
  resumed: number;
  failed: number;
  stillWaiting: number;
  /** The earliest next check of the stages checked here that are still waiting (hosts tick then). */
  nextCheckAt?: Date;
}

/** Releases jobs whose lease ran out (their worker died); a job out of attempts fails its run. */
export interface LeaseReapStaleCommand {
  type: "lease.reapStale";
  /** Extra grace after a lease ends before it counts as stale (default 0). */
  staleThresholdMs?: number;
  /** Most jobs to handle (default 100). */
  maxJobs?: number;
}
/** Result of `lease.reapStale`. */
export interface LeaseReapStaleResult {
  released: number;
  /** Jobs out of attempts whose stage and run were failed. */
  failed: number;
}

/** Finds running runs with no live job and no suspended stage, and repairs them. */
export interface RunReapStuckCommand {
  type: "run.reapStuck";
  /** Runs not updated for this long are examined (default: the kernel's `stuckRunThresholdMs`). */
  stuckThresholdMs?: number;
  /** Most runs to examine (default 50). */
  maxRuns?: number;
}
/** Result of `run.reapStuck`. */
export interface RunReapStuckResult {
  examined: number;
  repaired: Array<{ workflowRunId: string; action: RunTransitionResult["action"] }>;
}

/** Publishes outbox events through the event sink. */
export interface OutboxFlushCommand {
  type: "outbox.flush";
  workerId: string;
  /** Most events to publish (default 100). */
  maxEvents?: number;
}
/** Result of `outbox.flush`. */
export interface OutboxFlushResult {
  published: number;
  failed: number;
  deadLettered: number;
}

/** Cancels a run: stops its stages, cancels its jobs and timers. */
export interface RunCancelCommand {
  type: "run.cancel";
  workflowRunId: string;
  reason?: string;
  /** Cancel only if the run is still at this version. */
  expectedVersion?: number;
}
/** Result of `run.cancel`. */
export interface RunCancelResult {
  workflowRunId: string;
  status: RunStatus;
  /** False when the run was already cancelled. */
  cancelled: boolean;
}

/** Runs a finished run again from one stage on, keeping earlier stages' outputs. */
export interface RunRerunFromCommand {
  type: "run.rerunFrom";
  workflowRunId: string;
  fromStageId: string;
}
/** Result of `run.rerunFrom`. */
export interface RunRerunFromResult {
  workflowRunId: string;
  fromStageId: string;
  groupIndex: number;
  jobIds: string[];
}

/** Moves dead-lettered outbox events back for another try. */
export interface PluginReplayDlqCommand {
  type: "plugin.replayDLQ";
  /** Most events to replay (default 100). */
  maxEvents?: number;
}
/** Result of `plugin.replayDLQ`. */
export interface PluginReplayDlqResult {
  replayed: number;
}

/** Dispatches scheduled commands that are due. */
export interface ScheduleFireDueCommand {
  type: "schedule.fireDue";
  workerId: string;
  /** Most entries to fire (default 50). */
  maxCommands?: number;
}
/** Result of `schedule.fireDue`. */
export interface ScheduleFireDueResult {
  fired: number;
  failed: number;
  /** When the next entry comes due, if the scheduler can tell (`Scheduler.nextDueAfter`). */
  nextDueAt?: Date;
}

/** Ends a sleep step: completes its stage (scheduled by the step itself through the scheduler). */
export interface StageWakeCommand {
  type: "stage.wake";
  workflowRunId: string;
  /** The id of the sleeping stage record (a later pass of a loop has a new one). */
  stageRecordId: string;
}
/** Result of `stage.wake`. */
export interface StageWakeResult {
  workflowRunId: string;
  /** False when there was nothing to wake (the run moved on, ended, or was woken already). */
  woken: boolean;
}

/** Ends a run that outlived its workflow's timeout (scheduled when the run starts). */
export interface RunTimeoutCommand {
  type: "run.timeout";
  workflowRunId: string;
}
/** Result of `run.timeout`. */
export interface RunTimeoutResult {
  workflowRunId: string;
  status: RunStatus;
  /** False when the run had already ended. */
  timedOut: boolean;
}

/** Every command, by `type`, with its result. */
export interface CommandMap {
  "run.create": [RunCreateCommand, RunCreateResult];
  "run.claimPending": [RunClaimPendingCommand, RunClaimPendingResult];
  "job.execute": [JobExecuteCommand, JobExecuteResult];
  "job.heartbeat": [JobHeartbeatCommand, JobHeartbeatResult];
  "run.transition": [RunTransitionCommand, RunTransitionResult];
  "stage.pollSuspended": [StagePollSuspendedCommand, StagePollSuspendedResult];
  "lease.reapStale": [LeaseReapStaleCommand, LeaseReapStaleResult];
  "run.reapStuck": [RunReapStuckCommand, RunReapStuckResult];
  "outbox.flush": [OutboxFlushCommand, OutboxFlushResult];
  "run.cancel": [RunCancelCommand, RunCancelResult];
  "run.rerunFrom": [RunRerunFromCommand, RunRerunFromResult];
  "plugin.replayDLQ": [PluginReplayDlqCommand, PluginReplayDlqResult];
  "schedule.fireDue": [ScheduleFireDueCommand, ScheduleFireDueResult];
  "stage.wake": [StageWakeCommand, StageWakeResult];
  "run.timeout": [RunTimeoutCommand, RunTimeoutResult];
}

/** A command type. */
export type CommandType = keyof CommandMap;
/** Any command. */
export type Command = CommandMap[CommandType][0];
/** The result of a command of type `T`. */
export type CommandResult<T extends CommandType> = CommandMap[T][1];
