/**
 * Outbox statements. A claim leases events by setting `leased_until` to the end of the lease, a
 * column in no index (so the claim is a heap-only update and writes no index entry); an event's
 * availability is the later of `available_at` (moved by failures' back-off) and `leased_until`
 * ({@link AVAILABLE}), so "leased by another host" and "backing off after a failure" are one
 * condition: that availability `> now`. A claim picks the runs of the oldest available events along the
 * unpublished-events index (`LIMIT`, so its cost does not grow with the backlog), ranks those
 * runs' unpublished events by run-prefix age, and locks what it takes by run and sequence (the
 * primary key: an event's id is in no index, see {@link eventKeyMatch}). Past the first
 * step, unpublished means `COALESCE(published_at, dlq_at) IS NULL`: not indexable, so the
 * planner looks rows up by run and sequence even when stale statistics make the unpublished-events
 * index look more selective. Per run, only a
 * prefix of its unpublished events is handed out: an event is claimable only when every
 * earlier unpublished (not dead-lettered) event of its run is claimed in the same statement —
 * so clock skew between hosts can never put a run's later event ahead of its earlier one. A failed event pushes its
 * run's later events back with it, so they do not fill the next claims while it backs off.
 */
import type {
  ClaimLeaseOptions,
  NewOutboxEvent,
  OutboxEventRef,
  OutboxFailure,
  OutboxRecord,
} from "@ratchet/kernel/adapter";
import type { Dialect } from "../sql/dialect.js";
import type { SqlExecutor, Statement } from "../sql/executor.js";
import { decodeReadable, json } from "../sql/rows.js";
import { OUTBOX_AVAILABLE as AVAILABLE, OUTBOX_COLUMNS, outboxFromRow } from "./rows.js";

/**
 * The oldest-available order of unpublished events, spelled as the unpublished-events index
 * holds it: `published_at` and `dlq_at` are NULL in every row the claim reads, so ordering by
 * them first changes nothing — but it lets the index hand rows out in order, and the `LIMIT`
 * stop after the first ones. Ordered by `available_at` alone, PostgreSQL (which does not take
 * `IS NULL` as fixing a column's order) read and sorted every unpublished event on each claim:
 * 7,440 of them for a claim of 100 in a W1 backlog.
 */
const UNPUBLISHED_ORDER = "published_at, dlq_at, available_at";

/**
 * Rows whose key (`run_id`, `sequence`) `subquery` selects: a semi-join the planner runs as one
 * primary-key lookup per pair. (Prefixing it with `run_id = ANY (ARRAY(…))` to force index
 * lookups made every lookup descend the index once per run in the array: claims took 7–9 ms
 * instead of 2.6.) Events are found by run and sequence, never by id: the id is kept (sinks
 * deduplicate by it) but in no index, which spares every insert and every non-heap-only update
 * of the outbox an index entry (migration 0019).
 */
function eventKeyMatch(subquery: string): string {
  return `(run_id, sequence) IN (${subquery})`;
}

/** `events`' keys as a condition on `ratchet_outbox`, its parameters numbered from `first`. */
function eventKeys(
  d: Dialect,
  events: readonly OutboxEventRef[],
  first: number,
): { condition: string; params: unknown[] } {
  if (d.provider === "postgresql") {
    // One statement text whatever the count (one prepared statement per connection).
    return {
      condition: `(run_id, sequence) IN (SELECT * FROM unnest($${first}::text[], $${first + 1}::int[]))`,
      params: [events.map((event) => event.runId), events.map((event) => event.sequence)],
    };
  }
  const params: unknown[] = [];
  const pairs = events.map((event) => {
    params.push(event.runId, event.sequence);
    return `($${first + params.length - 2}, $${first + params.length - 1})`;
  });
  return { condition: `(run_id, sequence) IN (VALUES ${pairs.join(", ")})`, params };
}

/** Stores unpublished events, available at once. */
export async function appendOutboxEvents(
  db: SqlExecutor,
  events: readonly NewOutboxEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const d = db.dialect;
  const params: unknown[] = [];
  const values = events.map((event) => {
    params.push(
      event.id,
      event.runId,
      event.sequence,
      event.type,
      json(event.payload),
      d.date(event.occurredAt),
    );
    const n = params.length;
    return `($${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n}, 0, $${n})`;
  });
  await db.write(
    `INSERT INTO ratchet_outbox (id, run_id, sequence, type, payload, occurred_at, retry_count, available_at) VALUES ${values.join(", ")}`,
    ...params,
  );
}

/**
 * The claim statement (see the module comment) for `options`. Exported so tests can check its
 * plan.
 */
export function claimOutboxStatement(
  d: Dialect,
  { now, limit, leaseMs }: ClaimLeaseOptions,
): Statement {
  return {
    sql: `WITH oldest AS MATERIALIZED (
       SELECT DISTINCT run_id FROM (
         SELECT run_id FROM ratchet_outbox
         WHERE published_at IS NULL AND dlq_at IS NULL AND available_at <= $1
           AND (leased_until IS NULL OR leased_until <= $1)
         ORDER BY ${UNPUBLISHED_ORDER} LIMIT $2 ${d.skipLocked}) candidates
     ), pending AS MATERIALIZED (
       SELECT run_id, sequence, COALESCE(published_at, dlq_at) IS NULL AS unpublished,
         max(CASE WHEN COALESCE(published_at, dlq_at) IS NULL THEN ${AVAILABLE} END) OVER w AS prefix_age,
         min(CASE WHEN COALESCE(published_at, dlq_at) IS NULL AND ${AVAILABLE} > $1 THEN 0 ELSE 1 END) OVER w AS open_prefix
       FROM ratchet_outbox
       WHERE ${d.oneOf("run_id", "SELECT run_id FROM oldest")}
       WINDOW w AS (PARTITION BY run_id ORDER BY sequence)
     ), wanted AS MATERIALIZED (
       SELECT run_id, sequence FROM pending WHERE unpublished AND open_prefix = 1
       ORDER BY prefix_age, run_id, sequence LIMIT $2
     ), leased AS MATERIALIZED (
       SELECT run_id, sequence, published_at, dlq_at, available_at, leased_until FROM ratchet_outbox
       WHERE ${eventKeyMatch("SELECT run_id, sequence FROM wanted")} ${d.skipLocked}
     ), locked AS MATERIALIZED (
       SELECT run_id, sequence FROM leased
       WHERE COALESCE(published_at, dlq_at) IS NULL AND ${AVAILABLE} <= $1
     ), claimable AS (
       SELECT l.run_id, l.sequence FROM locked l
       WHERE NOT EXISTS (
         SELECT 1 FROM pending p
         WHERE p.unpublished AND p.run_id = l.run_id AND p.sequence < l.sequence
           AND NOT EXISTS (SELECT 1 FROM locked k WHERE k.run_id = p.run_id AND k.sequence = p.sequence))
     )
     UPDATE ratchet_outbox SET leased_until = $3
     WHERE ${eventKeyMatch("SELECT run_id, sequence FROM claimable")}
     RETURNING ${OUTBOX_COLUMNS}`,
    params: [d.date(now), limit, d.date(new Date(now.getTime() + leaseMs))],
  };
}

/** Leases up to `limit` publishable events, oldest first, never out of order within a run. */
export async function claimOutboxEvents(
  db: SqlExecutor,
  options: ClaimLeaseOptions,
): Promise<OutboxRecord[]> {
  const { now } = options;
  const d = db.dialect;
  const { sql, params } = claimOutboxStatement(d, options);
  const rows = await db.query(sql, ...params);
  // An event whose row cannot be read is dead-lettered (replayable once repaired), so it does
  // not stop publishing for everyone.
  const events = await decodeReadable(rows, outboxFromRow, (row, error) =>
    db.execute(
      "UPDATE ratchet_outbox SET dlq_at = $3, last_error = $4 WHERE run_id = $1 AND sequence = $2",
      row.run_id,
      row.sequence,
      d.date(now),
      json({ code: error.code, message: error.message }),
    ),
  );
  return byRunPrefixAge(events);
}

/** Orders events like the claim does: by run-prefix age, then run, then sequence. */
function byRunPrefixAge(events: OutboxRecord[]): OutboxRecord[] {
  const age = new Map<OutboxRecord, number>();
  const byRun = new Map<string, OutboxRecord[]>();
  for (const event of events) {
    const list = byRun.get(event.runId);
    if (list) list.push(event);
    else byRun.set(event.runId, [event]);
  }
  for (const list of byRun.values()) {
    let latest = Number.NEGATIVE_INFINITY;
    for (const event of list.sort((a, b) => a.sequence - b.sequence)) {
      latest = Math.max(latest, event.occurredAt.getTime());
      age.set(event, latest);
    }
  }
  const runOrder = (a: OutboxRecord, b: OutboxRecord) =>
    a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
  return events.sort(
    (a, b) => (age.get(a) ?? 0) - (age.get(b) ?? 0) || runOrder(a, b) || a.sequence - b.sequence,
  );
}

/** Marks events published (by primary key only: an already published event keeps its time). */
export async function markOutboxPublished(
  db: SqlExecutor,
  events: readonly OutboxEventRef[],
  now: Date,
): Promise<void> {
  // SQLite binds two parameters per event (at most 32,766 per statement): a flush of any size
  // goes out in slices. PostgreSQL binds two arrays whatever the count.
  const slice = db.dialect.provider === "postgresql" ? events.length : MARKS_PER_STATEMENT;
  for (let start = 0; start < events.length; start += slice) {
    const { condition, params } = eventKeys(db.dialect, events.slice(start, start + slice), 2);
    await db.execute(
      `UPDATE ratchet_outbox SET published_at = COALESCE(published_at, $1) WHERE ${condition}`,
      db.dialect.date(now),
      ...params,
    );
  }
}

/** Events one SQLite statement marks (two bound parameters each). */
const MARKS_PER_STATEMENT = 1_000;

/** Records a failed publish: back off until `retryAt`, or move to the dead-letter queue. */
export async function recordOutboxFailure(
  db: SqlExecutor,
  ref: OutboxEventRef,
  failure: OutboxFailure,
): Promise<void> {
  const d = db.dialect;
  await db.transaction(async (tx) => {
    const [event] = await tx.query<{ run_id: string; sequence: unknown }>(
      `UPDATE ratchet_outbox SET retry_count = retry_count + 1, last_error = $3, available_at = $4, leased_until = NULL, dlq_at = CASE WHEN $5 = 1 THEN $6 ELSE dlq_at END WHERE run_id = $1 AND sequence = $2 RETURNING run_id, sequence`,
      ref.runId,
      ref.sequence,
      failure.error,
      d.date(failure.retryAt),
      failure.deadLetter ? 1 : 0,
      d.date(failure.now),
    );
    if (!event || failure.deadLetter) return;
    // Every later event of the run follows the failed one: the not yet handed out wait, and the
    // ones leased with it (only one caller holds a run's events at a time) are released, so they
    // go out right after it instead of when their lease ends.
    await tx.execute(
      `UPDATE ratchet_outbox SET available_at = $3, leased_until = NULL WHERE run_id = $1 AND sequence > $2 AND published_at IS NULL AND dlq_at IS NULL`,
      event.run_id,
      event.sequence,
      d.date(failure.retryAt),
    );
  });
}

/** Moves up to `limit` dead-lettered events (of `runId` only, when given), oldest first, back. */
export function replayDeadLetters(
  db: SqlExecutor,
  limit: number,
  now: Date,
  runId?: string,
): Promise<number> {
  const ofRun = runId === undefined ? "" : " AND run_id = $3";
  return db.execute(
    `UPDATE ratchet_outbox SET dlq_at = NULL, retry_count = 0, available_at = $2, leased_until = NULL
     WHERE (run_id, sequence) IN (SELECT run_id, sequence FROM ratchet_outbox WHERE dlq_at IS NOT NULL${ofRun} ORDER BY occurred_at, id LIMIT $1)`,
    Math.max(0, limit),
    db.dialect.date(now),
    ...(runId === undefined ? [] : [runId]),
  );
}

/** Every event of a run, by sequence. */
export async function listOutboxEvents(db: SqlExecutor, runId: string): Promise<OutboxRecord[]> {
  const rows = await db.query(
    `SELECT ${OUTBOX_COLUMNS} FROM ratchet_outbox WHERE run_id = $1 ORDER BY sequence`,
    runId,
  );
  return rows.map(outboxFromRow);
}
