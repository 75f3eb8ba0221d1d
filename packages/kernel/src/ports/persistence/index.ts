/**
 * Persistence port: runs, stages, logs, outbox events, idempotency keys, signals and schedules —
 * one interface per kind of row ({@link RunStore}, {@link StageStore}, {@link LogStore},
 * {@link OutboxStore}, {@link IdempotencyStore}, {@link SignalStore}, {@link ScheduleStore}, {@link RetentionStore}),
 * joined by one transaction.
 *
 * Implementing it:
 * - `withTransaction(fn)` runs `fn` with a transactional view of the same interface; every
 *   write made through it commits together when `fn` resolves and **rolls back when it
 *   throws**. The view is also a {@link TransactionScope} that a job transport or scheduler
 *   living in the same store can join. Calling `withTransaction` on the view joins the open
 *   transaction. Reads outside a transaction see committed data only.
 * - Values are stored and returned verbatim (they are already encoded JSON); `Date` fields
 *   come back as `Date`.
 * - Each part's file states its own rules (row locks, compare-and-set, leases).
 *
 * Run `persistenceConformance` from `@ratchet/kernel/testing` against your adapter. Tools
 * that show runs to people read them through the optional {@link RunQueries} port.
 */
import type { JobTransport } from "../job-transport.js";
import type { RunStarter } from "../run-starter.js";
import type { StageCommitter } from "../stage-committer.js";
import type { TransactionScope } from "../transaction.js";
import type { BreakerStore } from "./breakers.js";
import type { FlowLimitStore } from "./flow-limits.js";
import type { IdempotencyStore } from "./idempotency.js";
import type { LogStore } from "./logs.js";
import type { OutboxStore } from "./outbox.js";
import type { RetentionStore } from "./retention.js";
import type { RunStore } from "./runs.js";
import type { ScheduleStore } from "./schedules.js";
import type { SignalStore } from "./signals.js";
import type { StageStore } from "./stages.js";

export type {
  BreakerProbe,
  BreakerRecord,
  BreakerState,
  BreakerStore,
  BreakerWrite,
} from "./breakers.js";
export type { FlowLimitStore, StartRate, StartRateState } from "./flow-limits.js";
export type { IdempotencyAcquireResult, IdempotencyStore } from "./idempotency.js";
export type { LogStore } from "./logs.js";
export type { OutboxEventRef, OutboxFailure, OutboxStore } from "./outbox.js";
export type { PurgeRunsQuery, PurgeRunsResult, RetentionStore } from "./retention.js";
export type { ClaimPendingOptions, ListRunsQuery, RunStore } from "./runs.js";
export type { NewSchedule, SchedulePatch, ScheduleStore } from "./schedules.js";
export type { ListSignalWaitsQuery, SignalMatch, SignalStore } from "./signals.js";
export type { ClaimLeaseOptions, StageExpectation, StageStore } from "./stages.js";

/** Metadata storage of the engine: every kind of row, under one transaction. */
export interface Persistence
  extends RunStore,
    StageStore,
    LogStore,
    OutboxStore,
    IdempotencyStore,
    SignalStore,
    ScheduleStore,
    RetentionStore,
    FlowLimitStore,
    BreakerStore {
  withTransaction<T>(fn: (tx: PersistenceTransaction) => Promise<T>): Promise<T>;

  /**
   * Optional fast path: a {@link StageCommitter} that writes a stage completion — with
   * `jobTransport`'s job settlement and next jobs — as one atomic step. Offer it only when
   * that transport's jobs live in this store, and return `undefined` otherwise; without it
   * the kernel commits completions through `withTransaction` (see ADR 0001).
   */
  stageCommitter?(jobTransport: JobTransport): StageCommitter | undefined;

  /**
   * Optional fast path: a {@link RunStarter} that claims pending runs and starts them as one
   * atomic step. Offer it only when `jobTransport`'s jobs live in this store, and return
   * `undefined` otherwise; without it (and for workflows it cannot start: start hooks, run
   * timeouts, concurrency limits) the kernel claims through `withTransaction`.
   */
  runStarter?(jobTransport: JobTransport): RunStarter | undefined;
}

/** The view of {@link Persistence} inside a transaction; also a {@link TransactionScope}. */
export interface PersistenceTransaction extends Persistence, TransactionScope {}
