/**
 * The outbox part of the {@link Persistence} port: events written with the state change they
 * describe, published afterwards by `outbox.flush`.
 */
import type { NewOutboxEvent, OutboxRecord } from "../../records.js";
import type { ClaimLeaseOptions } from "./stages.js";

/**
 * What names an outbox event to the store that keeps it: its run and place in the run (unique
 * together), and its id. Publishers mark and fail events by it; a store looks events up by
 * whichever it indexes (the SQL stores by run and sequence, their primary key; ADR 0014).
 */
export type OutboxEventRef = Pick<OutboxRecord, "id" | "runId" | "sequence">;

/** How a failed outbox publish is recorded. */
export interface OutboxFailure {
  error: string;
  /**
   * When to try again. The run's later unpublished events become available at this time too:
   * those not yet handed out wait at least as long, and those leased with the failed one (held
   * back behind it) are released to follow it, instead of waiting for their lease to end.
   */
  retryAt: Date;
  /** Move the event to the dead-letter queue instead of retrying. */
  deadLetter: boolean;
  now: Date;
}

/** The transactional outbox of events. */
export interface OutboxStore {
  appendOutboxEvents(events: readonly NewOutboxEvent[]): Promise<void>;
  /**
   * Leases unpublished, not dead-lettered events with `availableAt <= now`, oldest first, to
   * one caller until `now + leaseMs`. Per run it hands out only a prefix of the run's
   * unpublished events, starting at its earliest one, and skips a run whose earliest
   * unpublished event is leased by another caller or backing off: events of one run are never
   * published out of order, and a stuck run never holds back the others.
   */
  claimOutboxEvents(options: ClaimLeaseOptions): Promise<OutboxRecord[]>;
  /** Marks `events` published at `now` (an event already published keeps its time). */
  markOutboxPublished(events: readonly OutboxEventRef[], now: Date): Promise<void>;
  /** Records a failed publish of `event` (see {@link OutboxFailure}). */
  recordOutboxFailure(event: OutboxEventRef, failure: OutboxFailure): Promise<void>;
  /**
   * Moves up to `limit` dead-lettered events (oldest first; only the run `runId`'s when given)
   * back to the outbox; returns how many.
   */
  replayDeadLetters(limit: number, now: Date, runId?: string): Promise<number>;
}
