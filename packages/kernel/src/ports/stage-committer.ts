/**
 * Stage committer: writes a completed stage — the hot path of every run — as one atomic step.
 *
 * A completion is declarative: everything it may write is decided before it is sent, and the
 * store applies it under two conditions it checks itself (the run is `RUNNING` at the stage's
 * group, and the stage record is still in one of `fromStatuses`). Nothing has to be read
 * first, so a database store can write a completion in a single statement, and many
 * completions that arrive together in one.
 *
 * Implementing it (a persistence adapter offers it through `Persistence.stageCommitter`, for
 * a job transport whose jobs live in the same store):
 * - Always settle `job` as completed (at its attempt), whatever else happens — as
 *   `JobTransport.complete` would.
 * - Lock the run. When it is missing, not `RUNNING`, or at another group than `groupIndex`,
 *   write nothing else: `stale`.
 * - Compare-and-set the stage record: unless its status is one of `fromStatuses`, write
 *   nothing else: `duplicate` (another delivery already settled it).
 * - Otherwise mark it `COMPLETED` with `attempt`, the output, `startedAt` (kept when already
 *   set), `completedAt = now`, `progress` (when given), and clear its error, suspended state,
 *   next poll time and poll lease; append `logs`; take one off the run's `groupRemaining`;
 *   merge `runUpdate.metadata` into the run's metadata (key by key) and replace its control
 *   state with `runUpdate.control`, when given.
 * - The completion that brings `groupRemaining` to 0 **closes** the group. When it carries a
 *   `close`, also write `close.events`, apply `close.run` (its `control` too, when given),
 *   create `close.skipped`'s records `SKIPPED` (as `createStages` does) and `close.nextGroup`'s stage
 *   records and jobs (as `JobTransport.enqueue` would, `claimedBy` included) and set
 *   `groupRemaining` to the next group's size.
 * - Number `events` (then `close.events`) after the run's last event, without gaps; bump the
 *   run's `version` and `updatedAt` as `updateRun` does.
 * - Completions of one run committed concurrently must serialise on the run, so exactly one of
 *   them closes the group.
 * - Optionally, for a committed completion with a `refill`: lease due queued jobs to the worker
 *   in the same atomic step, as `JobTransport.dequeue` would (same order, routes and lease),
 *   for the slots its own claimed next jobs leave free, and return them in `refilled`. A
 *   committer that does not offer it ignores `refill`; the worker then dequeues as usual.
 *
 * The kernel falls back to an implementation over `Persistence.withTransaction` when the
 * persistence offers none. Run `stageCommitterConformance` from `@ratchet/kernel/testing`.
 */
import type {
  DequeuedJob,
  JsonObject,
  JsonValue,
  LogRecord,
  NewJob,
  NewStage,
  OutputRef,
  RunPatch,
  RunStatus,
  StageRecord,
  StageStatus,
} from "../records.js";
import type { JobRef } from "./job-transport.js";

/** An outbox event the store numbers when it writes it. */
export interface PendingEvent {
  id: string;
  type: string;
  payload: JsonObject;
  occurredAt: Date;
}

/** What the completion that closes its group writes besides itself. */
export interface GroupClose {
  /** Events after the completion's own, e.g. `workflow.completed`. */
  events: readonly PendingEvent[];
  /**
   * The run's next step: `{ currentGroup }` of the next group, or the run's completion; for
   * workflows with control flow also the run's new `control` state.
   */
  run: Pick<RunPatch, "status" | "output" | "currentGroup" | "completedAt" | "control">;
  /** The next group's stage records and jobs; its size becomes `groupRemaining`. */
  nextGroup?: { stages: readonly NewStage[]; jobs: readonly NewJob[] };
  /**
   * Records of the stages a choice did not take, created `SKIPPED` (terminal, no jobs) with the
   * close; absent when the closing step is not a choice. They do not count in `groupRemaining`.
   */
  skipped?: readonly NewStage[];
}

/** What a completion changes on its run besides the counters (applied under the run's lock). */
export interface CompletionRunUpdate {
  /**
   * Top-level keys to set in the run's metadata; keys it does not name keep their values, so
   * parallel stages setting different keys never overwrite each other.
   */
  metadata?: JsonObject;
  /** The run's new control-flow state (replaces it). */
  control?: JsonObject;
  /** The run's `waiting` flag: cleared (`false`) by the completion of a stage that was suspended. */
  waiting?: boolean;
}

/** A completed stage attempt, ready to commit. */
export interface StageCompletion {
  runId: string;
  /** The group the stage belongs to; the run must still be at it. */
  groupIndex: number;
  /** The stage record's id, and the stage's id in the workflow. */
  stageRecordId: string;
  stageId: string;
  /** Statuses the record may be in for the completion to count. */
  fromStatuses: readonly StageStatus[];
  attempt: number;
  /** The inline output, or `null` when it went to the blob store. */
  output: JsonValue | null;
  outputRef: OutputRef;
  /** When the attempt started; kept if the record already has a start time. */
  startedAt: Date;
  /** The stage's last progress report, if any. */
  progress?: JsonObject;
  /** The job to settle as completed, when the attempt ran as a job. */
  job?: JobRef;
  logs: readonly LogRecord[];
  /** The completion's own events. */
  events: readonly PendingEvent[];
  /** Metadata keys the stage set and the run's new control state, if any. */
  runUpdate?: CompletionRunUpdate;
  /**
   * Applied when this completion closes the group. `null` when the kernel cannot know it in
   * advance (the last group is parallel and the run's output combines every member's): the
   * kernel then finishes the run itself once the result says `closed`.
   */
  close: GroupClose | null;
  /** The time of the commit (`completedAt`, `updatedAt`). */
  now: Date;
  /** Queued jobs the completing worker takes in the same commit, if the committer can (see {@link QueueRefill}). */
  refill?: QueueRefill;
  /**
   * Set when the stage's group has several members and its close claims jobs for the worker:
   * a store that can returns the closed group's records with the result (`closedGroup`).
   */
  wantsClosedGroup?: boolean;
}

/**
 * A worker's request to take queued work in the commit of a completion: the slot a finished
 * stage frees is filled without a dequeue of its own (one commit instead of two). Only a
 * committed completion refills; jobs are leased as `JobTransport.dequeue` leases them.
 */
export interface QueueRefill {
  workerId: string;
  /**
   * Slots the worker has for this completion's successors. Jobs of `close.nextGroup` claimed
   * for the worker (when this completion closes its group) use them first; queued jobs fill
   * the rest.
   */
  slots: number;
  /** Lease of the jobs taken, ms from the commit's `now`. */
  leaseMs: number;
  /** Only jobs of these routes (see `DequeueOptions.routes`); absent: any. */
  routes?: readonly string[];
}

/** The run as a committed completion left it. */
export interface CommittedRunState {
  status: RunStatus;
  version: number;
  eventSeq: number;
  currentGroup: number;
  groupRemaining: number;
  updatedAt: Date;
}

/** How a completion went. */
export type StageCompletionResult =
  /** Written; `closed` when this completion closed its group. */
  | {
      kind: "committed";
      closed: boolean;
      run: CommittedRunState;
      /** Queued jobs leased to the worker by `refill`, each with its run's snapshot when known. */
      refilled?: DequeuedJob[];
      /**
       * Optional: when this completion closed a group of several stages and its close claimed
       * next-group jobs for the worker, the closed group's records as the store read them in
       * the same step (this completion's own record may still show it unfinished). The kernel
       * hands the claimed jobs an exact snapshot when every other member reads `COMPLETED`.
       */
      closedGroup?: StageRecord[];
    }
  /** The run ended or moved on; only the job was settled. `status` is the run's, if it exists. */
  | { kind: "stale"; status: RunStatus | null }
  /** Another delivery already settled the stage; only the job was settled. */
  | { kind: "duplicate" };

/** Writes completions atomically (see the module comment). */
export interface StageCommitter {
  commit(completion: StageCompletion): Promise<StageCompletionResult>;
}
