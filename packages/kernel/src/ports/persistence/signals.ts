/**
 * The signals part of the {@link Persistence} port: signals sent to runs, and the stages that
 * wait for them.
 *
 * - A signal is stored unconsumed (buffered) until a wait takes it; `takeBufferedSignal` and
 *   `markSignalConsumed` consume it exactly once (inside the transaction, a row another
 *   transaction is consuming is skipped, PostgreSQL: `FOR UPDATE SKIP LOCKED`).
 * - A wait row is written when a stage starts waiting and deleted by whichever comes first:
 *   the signal that wakes it, its time-out, or the end of its run.
 * - `lockSignalKey` serialises the delivery of a keyed signal with a stage starting to wait for
 *   the same key (runs' own signals are serialised by the run's row lock): without it, each could
 *   miss the other's uncommitted row and the signal would stay buffered beside its waiter.
 */
import type { NewSignal, SignalRecord, SignalWaitKind, SignalWaitRecord } from "../../records.js";

/** Which signals or waits match: those of a run, or those of a key. */
export type SignalMatch = { runId: string; name: string } | { name: string; matchKey: string };

/** Filter of {@link SignalStore.listSignalWaits}. */
export interface ListSignalWaitsQuery {
  runId?: string;
  kind?: SignalWaitKind;
  /** Waits created after this one (by `createdAt`, then `stageRecordId`) only: the next page. */
  after?: { createdAt: Date; stageRecordId: string };
  limit: number;
}

/** Signals and the stages waiting for them. */
export interface SignalStore {
  /** Stores a signal; `false` (and nothing written) when one with its id exists already. */
  appendSignal(signal: NewSignal): Promise<boolean>;
  getSignal(id: string): Promise<SignalRecord | null>;
  /**
   * Consumes the oldest unconsumed signal matching `match` (by `sentAt`, then id) for
   * `stageRecordId` and returns it, or `null` when none is buffered.
   */
  takeBufferedSignal(
    match: SignalMatch,
    stageRecordId: string,
    now: Date,
  ): Promise<SignalRecord | null>;
  /** Marks a stored signal consumed by `stageRecordId`; `false` when it was consumed already. */
  markSignalConsumed(id: string, stageRecordId: string, now: Date): Promise<boolean>;
  /** Takes an exclusive lock on a keyed signal's name and key until the transaction ends. */
  lockSignalKey(name: string, matchKey: string): Promise<void>;
  putSignalWait(wait: SignalWaitRecord): Promise<void>;
  getSignalWait(stageRecordId: string): Promise<SignalWaitRecord | null>;
  /** The oldest waits matching `match` (by `createdAt`, then stage record id), up to `limit`. */
  findSignalWaits(match: SignalMatch, limit: number): Promise<SignalWaitRecord[]>;
  /** Deletes a wait; `false` when there was none (another delivery or a time-out took it). */
  deleteSignalWait(stageRecordId: string): Promise<boolean>;
  /** Waits oldest first, for tools (pending approvals) and a run's cancellation. */
  listSignalWaits(query: ListSignalWaitsQuery): Promise<SignalWaitRecord[]>;
}
