/**
 * The runs part of the {@link Persistence} port: create, read, update and claim run rows.
 *
 * - `getRun(id, { forUpdate: true })` inside a transaction locks the run row until commit
 *   (PostgreSQL: `SELECT … FOR UPDATE`), so concurrent commands on one run serialise.
 * - `updateRun` with `expectedVersion` changes nothing and returns `null` when the run is not at
 *   that version; every successful update increments `version` and sets `updatedAt`.
 * - `claimPendingRuns` atomically moves up to `limit` `PENDING` runs whose route key is one of
 *   `routes` (highest priority, then oldest) to `RUNNING`; concurrent callers never claim the same run (`SKIP LOCKED`), and
 *   with `concurrency` never claim past a key's limit (runs without a key are taken first).
 */
import type {
  NewRun,
  RunPatch,
  RunRecord,
  RunStatus,
  StageRecord,
  StoredError,
} from "../../records.js";
import type { StartRate } from "./flow-limits.js";

/** Filter of {@link RunStore.listRuns}. */
export interface ListRunsQuery {
  status?: RunStatus;
  workflowId?: string;
  /** Runs updated before this time only. */
  updatedBefore?: Date;
  /** Runs whose route key (see {@link ClaimPendingOptions.routes}) is one of these only. */
  routes?: readonly string[];
  /** Runs whose `waiting` flag is this only. */
  waiting?: boolean;
  limit: number;
}

/** Options of {@link RunStore.claimPendingRuns}. */
export interface ClaimPendingOptions {
  limit: number;
  now: Date;
  /**
   * Claim only runs whose route key is one of these: `routeKey({ workflowId, workflowVersion,
   * fingerprint })` of the run (the adapter stores it when the run is created and when a patch
   * changes the version). Other runs are left `PENDING`, untouched. An index on the key keeps
   * the claim fast however many workflows share the store. Absent: any run — for tools and
   * tests; the kernel always passes its registry's routes.
   */
  routes?: readonly string[];
  /**
   * Concurrency limits: the most `RUNNING` runs of a workflow that may share one
   * `concurrencyKey` (`undefined`: no limit). When given, a run with a key is claimed only
   * while fewer than that many runs with its key are `RUNNING` — counted under a lock of the
   * key, so concurrent claimers never go over; when absent, keys are ignored.
   */
  concurrency?: (workflowId: string) => number | undefined;
  /**
   * Start rates (rate limits and throttles, see {@link StartRate}): given with `concurrency`
   * (the runs they limit have a `concurrencyKey`), a keyed run is claimed only while its key
   * has room (`startRoom`); the claim records the starts in the key's
   * `StartRateState` in the same transaction, under the key's lock. Absent (or
   * `undefined` for a workflow): no start rate, and no state read or written.
   */
  rates?: (workflowId: string) => StartRate | undefined;
}

/** Run rows: what commands create, read, lock, update and claim. */
export interface RunStore {
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
  /**
   * Runs matching `query`, least recently updated first (`run.reapStuck` looks for runs that
   * stopped moving). Tools that list runs for people use {@link RunQueries} instead.
   */
  listRuns(query: ListRunsQuery): Promise<RunRecord[]>;
  claimPendingRuns(options: ClaimPendingOptions): Promise<RunRecord[]>;
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
}
