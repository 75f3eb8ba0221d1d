/**
 * Run starter: claims pending runs and starts them — the first group's stage records and jobs,
 * the `workflow.started` event, the run's patch — as one atomic step, decided before it is
 * sent, as the {@link StageCommitter} does for completions.
 *
 * `run.claimPending` otherwise claims in a transaction (claim, then the writes its result
 * decides, then the commit: four round trips on a database). When every workflow the kernel
 * claims for starts the same way whatever the run — no start hooks, no run timeout, no
 * concurrency limits or start rates, which need a read, a lock or the scheduler — everything a
 * claim writes follows from the run rows it picks and a per-route template, so a database
 * store can claim and start in a single statement.
 *
 * Implementing it (a persistence adapter offers it through `Persistence.runStarter`, for a
 * job transport whose jobs live in the same store):
 * - Claim as `claimPendingRuns` does with `routes` = the keys of `starts` (the same pick and
 *   order, skipping rows others hold), and number the claimed runs 0, 1, … in claim order
 *   (highest priority, then oldest, then id): that is the run's `slot`.
 * - For the run in slot `k`, with `n` = its route's `stages.length` and
 *   `base = k * idStride`: create its stage records (group 0, `PENDING`, attempt 0, at `now`)
 *   with ids `ids[base + i]`; enqueue one job per stage with ids `ids[base + n + i]`, as
 *   `JobTransport.enqueue` would for the job `newGroup` builds (`route`, priority and run age
 *   of the run, the stage's `maxAttempts` and `payload`, available at `now`); lease the first
 *   `continueWith` jobs of the whole claim (in slot order, then stage order) to `workerId`
 *   until `leaseUntil` (`claimedBy`); append the route's `event` with id `ids[base + 2n]`,
 *   numbered after the run's last event; and move the run to `RUNNING` with `currentGroup` 0,
 *   `groupRemaining` n, `startedAt` = `updatedAt` = `now`, its `eventSeq` after the event and
 *   its `version` two past the pending one (the claim's write and the start's, as the
 *   transactional path writes them).
 * - Return each claimed run's record as committed, with its slot and how many of its jobs were
 *   leased. A run whose row cannot be decoded is left out of the result (and failed as
 *   `claimPendingRuns` fails it).
 *
 * The kernel rebuilds the stage records, jobs and events from the same ids (`newGroup`), so the
 * rows written are exactly those the transactional path would write; PostgreSQL's test
 * compares them column by column.
 */
import type { JsonObject, NewJob, RunRecord } from "../records.js";

/** One stage of a route's first group (in the group's order). */
export interface StartStage {
  stageId: string;
  maxAttempts: number;
  payload: NewJob["payload"];
}

/** How runs of one route start. */
export interface RouteStart {
  /** The first group's stages, in order (never empty). */
  stages: readonly StartStage[];
  /** The event every started run of the route gets (`workflow.started`). */
  event: { type: string; payload: JsonObject };
}

/** What one claim asks of a {@link RunStarter}. */
export interface RunStartRequest {
  /** Most runs to claim. */
  limit: number;
  /** The claim's time: `startedAt`, `updatedAt`, the records' and jobs' times. */
  now: Date;
  /** The routes to claim runs of, each with how its runs start. */
  starts: ReadonlyMap<string, RouteStart>;
  /** Ids of the records, jobs and events, `idStride` per slot (see the module comment). */
  ids: readonly string[];
  /** Ids per slot: at least twice the largest first group, plus one. */
  idStride: number;
  /** The claiming worker (leases its jobs). */
  workerId: string;
  /** Lease this many of the claim's jobs to `workerId` (0: queue them all). */
  continueWith: number;
  /** Lease of the jobs leased to `workerId`. */
  leaseUntil: Date;
}

/** A run a {@link RunStarter} claimed and started. */
export interface StartedRun {
  /** The run as committed: `RUNNING`, at group 0. */
  run: RunRecord;
  /** Its place in the claim (see the module comment): which ids its rows took. */
  slot: number;
  /** How many of its jobs, from the first, are leased to the worker. */
  leased: number;
}

/** Claims and starts runs in one atomic step (see the module comment). */
export interface RunStarter {
  claimAndStart(request: RunStartRequest): Promise<StartedRun[]>;
}
