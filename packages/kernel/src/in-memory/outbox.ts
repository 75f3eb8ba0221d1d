/**
 * Outbox operations of the in-memory persistence.
 *
 * A claim leases events by moving their `availableAt` to the end of the lease, so "leased by
 * someone else" and "backing off after a failure" are the same condition: `availableAt > now`.
 * Per run, only the unbroken prefix of available events, starting at the run's earliest
 * unpublished (not dead-lettered) event, is handed out.
 */
import type { ClaimLeaseOptions, OutboxFailure } from "../ports/persistence/index.js";
import type { PendingEvent } from "../ports/stage-committer.js";
import type { NewOutboxEvent, OutboxRecord } from "../records.js";
import { cloneJson, copyDate, copyNullableDate } from "./copy.js";
import { rowsOf } from "./select.js";
import { duplicateKeyError, type InMemoryStore, type OutboxRow } from "./store.js";
import type { StoreTransaction } from "./table.js";

/** Copy of a stored outbox event. */
export function copyOutboxEvent(row: OutboxRow): OutboxRecord {
  return {
    id: row.id,
    runId: row.runId,
    sequence: row.sequence,
    type: row.type,
    payload: cloneJson(row.payload),
    occurredAt: copyDate(row.occurredAt),
    publishedAt: copyNullableDate(row.publishedAt),
    retryCount: row.retryCount,
    availableAt: copyDate(row.availableAt),
    dlqAt: copyNullableDate(row.dlqAt),
    lastError: row.lastError,
  };
}

/** An outbox row with new delivery fields (one literal: rows keep one hidden class). */
function outboxWith(
  prev: OutboxRow,
  publishedAt: Date | null,
  retryCount: number,
  availableAt: Date,
  dlqAt: Date | null,
  lastError: string | null,
): OutboxRow {
  return {
    id: prev.id,
    runId: prev.runId,
    sequence: prev.sequence,
    type: prev.type,
    payload: prev.payload,
    occurredAt: prev.occurredAt,
    publishedAt,
    retryCount,
    availableAt,
    dlqAt,
    lastError,
    seq: prev.seq,
  };
}

function bySequence(a: OutboxRow, b: OutboxRow): number {
  return a.sequence - b.sequence;
}

function byAge(a: OutboxRow, b: OutboxRow): number {
  return a.occurredAt.getTime() - b.occurredAt.getTime() || a.seq - b.seq;
}

/** Stores unpublished events, available at once. */
export function appendOutboxEvents(
  store: InMemoryStore,
  tx: StoreTransaction,
  events: readonly NewOutboxEvent[],
): void {
  for (const event of events) insertOutboxEvent(store, tx, event.runId, event.sequence, event);
}

/**
 * Stores `events` of run `runId` as unpublished, numbered from `lastSequence + 1`, straight
 * from the events as given (no numbered copy of each first); returns the last sequence used.
 */
export function appendRunEvents(
  store: InMemoryStore,
  tx: StoreTransaction,
  runId: string,
  lastSequence: number,
  events: readonly PendingEvent[],
): number {
  let sequence = lastSequence;
  for (const event of events) insertOutboxEvent(store, tx, runId, ++sequence, event);
  return sequence;
}

function insertOutboxEvent(
  store: InMemoryStore,
  tx: StoreTransaction,
  runId: string,
  sequence: number,
  event: PendingEvent,
): void {
  if (store.outbox.has(event.id)) throw duplicateKeyError("outbox event", event.id);
  if (store.outboxBySequence.get(runId, sequence) !== undefined) {
    throw duplicateKeyError(`outbox sequence of run ${runId}`, String(sequence));
  }
  const occurredAt = tx.date(event.occurredAt);
  const row: OutboxRow = {
    id: event.id,
    runId,
    sequence,
    type: event.type,
    payload: cloneJson(event.payload),
    occurredAt,
    publishedAt: null,
    retryCount: 0,
    availableAt: occurredAt,
    dlqAt: null,
    lastError: null,
    seq: store.nextSeq(),
  };
  store.outbox.replace(tx, row.id, undefined, row);
}

/** Leases up to `limit` publishable events, oldest first, never out of order within a run. */
export function claimOutboxEvents(
  store: InMemoryStore,
  tx: StoreTransaction,
  { now, limit, leaseMs }: ClaimLeaseOptions,
): OutboxRecord[] {
  const t = now.getTime();
  // Each run's available prefix. An event's age is the latest `occurredAt` up to it in its
  // run, so age never decreases along a run and the oldest `limit` events are per-run
  // prefixes in sequence order, even if `occurredAt` does not grow with the sequence.
  const candidates: Array<{ row: OutboxRow; age: number; position: number }> = [];
  for (const runId of store.unpublishedOutboxByRun.groupNames()) {
    const rows = rowsOf(store.unpublishedOutboxByRun.keysOf(runId), (id) => store.outbox.get(id));
    rows.sort(bySequence);
    let age = Number.NEGATIVE_INFINITY;
    for (const [position, row] of rows.entries()) {
      if (row.availableAt.getTime() > t) break;
      age = Math.max(age, row.occurredAt.getTime());
      candidates.push({ row, age, position });
    }
  }
  candidates.sort((a, b) => a.age - b.age || a.position - b.position || a.row.seq - b.row.seq);
  const claimed = candidates.slice(0, Math.max(0, limit)).map((candidate) => candidate.row);
  const leaseUntil = new Date(t + leaseMs);
  return claimed.map((prev) => {
    const next = outboxWith(
      prev,
      prev.publishedAt,
      prev.retryCount,
      leaseUntil,
      prev.dlqAt,
      prev.lastError,
    );
    store.outbox.replace(tx, next.id, prev, next);
    return copyOutboxEvent(next);
  });
}

/** Marks events published. */
export function markOutboxPublished(
  store: InMemoryStore,
  tx: StoreTransaction,
  ids: readonly string[],
  now: Date,
): void {
  for (const id of ids) {
    const prev = store.outbox.get(id);
    if (prev === undefined || prev.publishedAt !== null) continue;
    store.outbox.put(
      tx,
      id,
      outboxWith(
        prev,
        copyDate(now),
        prev.retryCount,
        prev.availableAt,
        prev.dlqAt,
        prev.lastError,
      ),
    );
  }
}

/** Records a failed publish: back off until `retryAt`, or move to the dead-letter queue. */
export function recordOutboxFailure(
  store: InMemoryStore,
  tx: StoreTransaction,
  id: string,
  failure: OutboxFailure,
): void {
  const prev = store.outbox.get(id);
  if (prev === undefined) return;
  store.outbox.put(
    tx,
    id,
    outboxWith(
      prev,
      prev.publishedAt,
      prev.retryCount + 1,
      copyDate(failure.retryAt),
      failure.deadLetter ? copyDate(failure.now) : prev.dlqAt,
      failure.error,
    ),
  );
  if (failure.deadLetter) return;
  // The run's later events follow it: the waiting ones wait as long, the ones leased with it
  // (only one caller holds a run's events) are released to go out right after it.
  for (const key of store.unpublishedOutboxByRun.keysOf(prev.runId)) {
    const later = store.outbox.get(key);
    if (later === undefined || later.sequence <= prev.sequence || later.dlqAt !== null) continue;
    store.outbox.put(
      tx,
      later.id,
      outboxWith(
        later,
        later.publishedAt,
        later.retryCount,
        copyDate(failure.retryAt),
        later.dlqAt,
        later.lastError,
      ),
    );
  }
}

/** Moves up to `limit` dead-lettered events (of `runId` only, when given), oldest first, back. */
export function replayDeadLetters(
  store: InMemoryStore,
  tx: StoreTransaction,
  limit: number,
  now: Date,
  runId?: string,
): number {
  const rows = rowsOf(store.deadLetters.values, (id) => store.outbox.get(id))
    .filter((row) => runId === undefined || row.runId === runId)
    .sort(byAge)
    .slice(0, Math.max(0, limit));
  for (const prev of rows) {
    store.outbox.put(
      tx,
      prev.id,
      outboxWith(prev, prev.publishedAt, 0, copyDate(now), null, prev.lastError),
    );
  }
  return rows.length;
}

/** Every event of a run, by sequence. */
export function listOutboxEvents(store: InMemoryStore, runId: string): OutboxRecord[] {
  return rowsOf(store.outboxByRun.keysOf(runId), (id) => store.outbox.get(id))
    .sort(bySequence)
    .map(copyOutboxEvent);
}
