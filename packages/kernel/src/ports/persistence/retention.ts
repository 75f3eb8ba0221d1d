/**
 * The retention part of the {@link Persistence} port: deleting finished runs with everything
 * they own, in small batches, and idempotency keys past their age.
 *
 * - `purgeRuns` picks up to `limit` runs whose status is one of `statuses` (final statuses
 *   only) and whose `completedAt` is before `endedBefore`, earliest ended first, and deletes
 *   each with its stage records (and inline outputs), logs, outbox events, signals sent to it
 *   or consumed by its stages, signal waits, and its `run.create` idempotency key — atomically,
 *   in one short transaction of its own (or the caller's, when called on a transaction view).
 *   It never touches a run that has not ended, and skips (never waits for) a run another
 *   transaction holds locked (PostgreSQL: `FOR UPDATE SKIP LOCKED`). A run that still has
 *   an outbox event neither published nor dead-lettered is left for a later purge: an event is
 *   never lost before it was delivered. Other runs (its children, its parent) are not touched.
 * - `dryRun` deletes nothing: the runs it would delete come back, and `matched` counts every
 *   run the query matches (not only `limit`).
 * - Job rows live on the job transport (`JobTransport.purgeForRuns`) and blobs in the blob
 *   store: the caller deletes those, from `runIds` and `blobKeys`.
 * - `purgeIdempotencyKeys` deletes up to `limit` keys created before `createdBefore`, oldest
 *   first, and says how many.
 */
import type { RunStatus } from "../../records.js";

/** What {@link RetentionStore.purgeRuns} deletes. */
export interface PurgeRunsQuery {
  /** Runs of these workflows only; absent: of every workflow. */
  workflowIds?: readonly string[];
  /** Final statuses of the runs to delete (others are ignored: a running run is never deleted). */
  statuses: readonly RunStatus[];
  /** Runs that ended (`completedAt`) before this time only. */
  endedBefore: Date;
  /** Most runs deleted at once. */
  limit: number;
  /** Delete nothing; report what would be deleted. */
  dryRun?: boolean;
}

/** What {@link RetentionStore.purgeRuns} did. */
export interface PurgeRunsResult {
  /** The runs deleted (dry run: that would be, up to `limit`), earliest ended first. */
  runIds: string[];
  /** Blob keys of the deleted runs' stage outputs (`outputRef`), for the caller to delete. */
  blobKeys: string[];
  /** Dry run only: how many runs the query matches in all. */
  matched?: number;
}

/** Deleting what retention no longer keeps. */
export interface RetentionStore {
  purgeRuns(query: PurgeRunsQuery): Promise<PurgeRunsResult>;
  purgeIdempotencyKeys(query: {
    createdBefore: Date;
    limit: number;
    dryRun?: boolean;
  }): Promise<number>;
}
