/** The `job.execute` command and its result. */
import type { DequeuedJob, RunStatus } from "../../records.js";

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
  /**
   * Fill the `continueWith` slots the stage's own next jobs leave free with due queued jobs
   * (any run of this kernel's routes, in dequeue order), leased in the same commit as the
   * completion, when the stage committer offers it (PostgreSQL's does): a finished stage's
   * slot gets its next work without a dequeue. They come back in `next` with the others.
   */
  refillFromQueue?: boolean;
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
      /** Jobs leased to this worker to run next (see `continueWith` and `refillFromQueue`). */
      next?: DequeuedJob[];
    }
  | {
      outcome: "suspended";
      workflowRunId: string;
      stageId: string;
      /** When the stage is next looked at (a poll, a sleep's end, a wait's time-out); absent: only a signal, decision or child's end wakes it. */
      nextPollAt?: Date;
    }
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
