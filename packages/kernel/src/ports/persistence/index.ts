/**
 * Persistence port: runs, stages, logs, outbox events and idempotency keys.
 *
 * Implementing it:
 * - `withTransaction(fn)` runs `fn` with a transactional view of the same interface; every
 *   write made through it commits together when `fn` resolves and **rolls back when it
 *   throws**. The view is also a {@link TransactionScope} that a job transport or scheduler
 *   living in the same store can join. Calling `withTransaction` on the view joins the open
 *   transaction. Reads outside a transaction see committed data only.
 * - Values are stored and returned verbatim (they are already encoded JSON); `Date` fields
 *   come back as `Date`.
 * - `getRun(id, { forUpdate: true })` inside a transaction locks the run row until commit
 *   (PostgreSQL: `SELECT … FOR UPDATE`), so concurrent commands on one run serialise.
 * - `updateRun` with `expectedVersion` changes nothing and returns `null` when the run is not at
 *   that version; every successful update increments `version` and sets `updatedAt`.
 * - `updateStage` with `expected` is a compare-and-set on `status`/`attempt`: it returns
 *   `false` and changes nothing when the row does not match. This is how a duplicate delivery
 *   of a job commits its stage output once.
 * - `claimPendingRuns` atomically moves up to `limit` `PENDING` runs (highest priority, then
 *   oldest) to `RUNNING`; concurrent callers never claim the same run (`SKIP LOCKED`), and
 *   with `concurrency` never claim past a key's limit (runs without a key are taken first).
 * - `claimSuspendedStages` and `claimOutboxEvents` lease rows to one caller until
 *   `now + leaseMs`, so two hosts never poll the same stage or publish the same event at once.
 *
 * Run `persistenceConformance` from `@ratchet/kernel/testing` against your adapter.
 */
import type {
  JsonValue,
  LogRecord,
  NewOutboxEvent,
  NewRun,
  NewStage,
  OutboxRecord,
  RunPatch,
  RunRecord,
  RunStatus,
  StageOutputKey,
  StagePatch,
  StageRecord,
  StageStatus,
  StoredError,
} from "../../records.js";
import type { JobTransport } from "../job-transport.js";
import type { StageCommitter } from "../stage-committer.js";
import type { TransactionScope } from "../transaction.js";

/** Filter of {@link Persistence.listRuns}. */
export interface ListRunsQuery {
  status?: RunStatus;
  workflowId?: string;
  /** Runs updated before this time only. */
  updatedBefore?: Date;
  limit: number;
}

/** Options of {@link Persistence.claimPendingRuns}. */
export interface ClaimPendingOptions {
  limit: number;
  now: Date;
  /**
   * Concurrency limits: the most `RUNNING` runs of a workflow that may share one
   * `concurrencyKey` (`undefined`: no limit). When given, a run with a key is claimed only
   * while fewer than that many runs with its key are `RUNNING` — counted under a lock of the
   * key, so concurrent claimers never go over; when absent, keys are ignored.
   */
  concurrency?: (workflowId: string) => number | undefined;
}

/** Options of {@link Persistence.claimSuspendedStages} and {@link Persistence.claimOutboxEvents}. */
export interface ClaimLeaseOptions {
  now: Date;
  limit: number;
  leaseMs: number;
}

/** Compare-and-set condition of {@link Persistence.updateStage}. */
export interface StageExpectation {
  status?: readonly StageStatus[];
  attempt?: number;
}

/** Result of {@link Persistence.acquireIdempotencyKey}. */
export type IdempotencyAcquireResult =
  | { status: "acquired" }
  | { status: "replay"; result: JsonValue }
  | { status: "in_progress" };

/** How a failed outbox publish is recorded. */
export interface OutboxFailure {
  error: string;
  /** When to try again; later events of the same run wait at least as long. */
  retryAt: Date;
  /** Move the event to the dead-letter queue instead of retrying. */
  deadLetter: boolean;
  now: Date;
}

/** Metadata storage of the engine. */
export interface Persistence {
  withTransaction<T>(fn: (tx: PersistenceTransaction) => Promise<T>): Promise<T>;

  // Runs
  createRun(run: NewRun): Promise<RunRecord>;
  getRun(id: string, options?: { forUpdate?: boolean }): Promise<RunRecord | null>;
  updateRun(
    id: string,
    patch: RunPatch,
    options: { expectedVersion?: number; now: Date },
  ): Promise<RunRecord | null>;
  /**
   * Optional. Inside a transaction, `updateRun` of a run this transaction holds locked (it
   * claimed it, or read it `forUpdate`) at `expectedVersion`, whose result the caller does not
   * need: the adapter may send it later — with its other writes, at the commit at the latest —
   * saving a round trip per run. Outside a transaction it is `updateRun`.
   */
  updateLockedRun?(
    id: string,
    patch: RunPatch,
    options: { expectedVersion: number; now: Date },
  ): Promise<void>;
  listRuns(query: ListRunsQuery): Promise<RunRecord[]>;
  claimPendingRuns(options: ClaimPendingOptions): Promise<RunRecord[]>;

  /**
   * Optional fast path: a {@link StageCommitter} that writes a stage completion — with
   * `jobTransport`'s job settlement and next jobs — as one atomic step. Offer it only when
   * that transport's jobs live in this store, and return `undefined` otherwise; without it
   * the kernel commits completions through `withTransaction`.
   */
  stageCommitter?(jobTransport: JobTransport): StageCommitter | undefined;

  /**
   * Optional. The run and all its stage records (ordered as `listStages` orders them) in one
   * read; `null` when the run does not exist. `job.execute` uses it, when offered, instead of
   * `getRun` + `listStages`, saving a round trip (and, on PostgreSQL, a commit) per stage.
   */
  getRunWithStages?(id: string): Promise<{ run: RunRecord; stages: StageRecord[] } | null>;

  /**
   * Optional, for stores that can hold rows they cannot decode (`CORRUPT_ROW`). Ends the run
   * `FAILED` with `error` and a `workflow.failed` event, atomically and without decoding its
   * rows; `false` when the run does not exist or has ended already. `job.execute` calls it
   * when it cannot read the run its job belongs to, so the run is reported instead of left
   * `RUNNING` with a job that can never run.
   */
  failUnreadableRun?(runId: string, error: StoredError, now: Date): Promise<boolean>;

  // Stages
  createStages(stages: readonly NewStage[]): Promise<void>;
  listStages(runId: string): Promise<StageRecord[]>;
  getStage(runId: string, stageId: string): Promise<StageRecord | null>;
  updateStage(
    id: string,
    patch: StagePatch,
    options: { expected?: StageExpectation; now: Date },
  ): Promise<boolean>;
  /**
   * Inline outputs of stages, in a map keyed by `` `${runId}:${stageId}` ``; stages without an
   * inline output are absent.
   */
  getStageOutputs(keys: readonly StageOutputKey[]): Promise<Map<string, JsonValue>>;
  /**
   * Deletes the stage records of a run from `groupIndex` on (for rerun-from), or with
   * `throughGroup` only those of groups `groupIndex..throughGroup` (a loop entering a group
   * again); returns how many.
   */
  deleteStagesFrom(runId: string, groupIndex: number, throughGroup?: number): Promise<number>;
  claimSuspendedStages(options: ClaimLeaseOptions): Promise<StageRecord[]>;

  // Logs
  appendLogs(logs: readonly LogRecord[]): Promise<void>;
  listLogs(runId: string): Promise<LogRecord[]>;

  // Outbox
  appendOutboxEvents(events: readonly NewOutboxEvent[]): Promise<void>;
  /**
   * Leases unpublished, not dead-lettered events with `availableAt <= now`, oldest first.
   * Per run it hands out only a prefix of the run's unpublished events, starting at its
   * earliest one, and skips a run whose earliest unpublished event is leased by another caller
   * or backing off: events of one run are never published out of order, and a stuck run never
   * holds back the others.
   */
  claimOutboxEvents(options: ClaimLeaseOptions): Promise<OutboxRecord[]>;
  markOutboxPublished(ids: readonly string[], now: Date): Promise<void>;
  recordOutboxFailure(id: string, failure: OutboxFailure): Promise<void>;
  /** Moves up to `limit` dead-lettered events back to the outbox; returns how many. */
  replayDeadLetters(limit: number, now: Date): Promise<number>;
  listOutboxEvents(runId: string): Promise<OutboxRecord[]>;

  // Idempotency
  acquireIdempotencyKey(
    key: string,
    commandType: string,
    now: Date,
  ): Promise<IdempotencyAcquireResult>;
  completeIdempotencyKey(key: string, commandType: string, result: JsonValue): Promise<void>;
  releaseIdempotencyKey(key: string, commandType: string): Promise<void>;
}

/** The view of {@link Persistence} inside a transaction; also a {@link TransactionScope}. */
export interface PersistenceTransaction extends Persistence, TransactionScope {}
