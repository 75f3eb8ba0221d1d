/**
 * Signal statements: signals buffered in `ratchet_signals` until a wait takes them, and the
 * stages waiting for them in `ratchet_signal_waits`.
 *
 * A signal or wait with a `match_key` belongs to its key (name and key), one without to its run
 * (run id and name): a run's signal never matches a wait by key, and the other way round.
 *
 * Consuming is one statement that picks and marks the signal together. On PostgreSQL the pick
 * locks the row with `FOR UPDATE SKIP LOCKED`, so a signal another transaction is consuming is
 * skipped, not waited for (that transaction may still commit), and the mark repeats
 * `consumed_at IS NULL`, so a signal is never consumed twice. SQLite's writers are serialised
 * (one connection, `BEGIN IMMEDIATE`), so nothing can come between the pick and the mark.
 */
import {
  type ListSignalWaitsQuery,
  type NewSignal,
  RatchetError,
  type SignalMatch,
  type SignalRecord,
  type SignalWaitRecord,
} from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";
import { json } from "../sql/rows.js";
import {
  SIGNAL_COLUMNS,
  SIGNAL_WAIT_COLUMNS,
  signalFromRow,
  signalWaitFromRow,
} from "./signal-rows.js";

/**
 * The `WHERE` condition of `match` with its parameters numbered from `$(offset + 1)`: a run's
 * rows without a key, or a key's rows.
 */
function matchCondition(match: SignalMatch, offset: number): { sql: string; params: string[] } {
  const a = `$${offset + 1}`;
  const b = `$${offset + 2}`;
  return "runId" in match
    ? {
        sql: `run_id = ${a} AND name = ${b} AND match_key IS NULL`,
        params: [match.runId, match.name],
      }
    : { sql: `name = ${a} AND match_key = ${b}`, params: [match.name, match.matchKey] };
}

/** Stores an unconsumed signal; `false` (nothing written) when its id is taken. */
export async function appendSignal(db: SqlExecutor, signal: NewSignal): Promise<boolean> {
  const inserted = await db.execute(
    `INSERT INTO ratchet_signals (id, run_id, name, match_key, payload, sent_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
    signal.id,
    signal.runId,
    signal.name,
    signal.matchKey,
    json(signal.payload),
    db.dialect.date(signal.sentAt),
  );
  return inserted > 0;
}

/** A signal by id. */
export async function getSignal(db: SqlExecutor, id: string): Promise<SignalRecord | null> {
  const [row] = await db.query(`SELECT ${SIGNAL_COLUMNS} FROM ratchet_signals WHERE id = $1`, id);
  return row ? signalFromRow(row) : null;
}

/**
 * Consumes the oldest buffered signal matching `match` (by `sent_at`, then id) for
 * `stageRecordId`, in one statement; `null` when none is buffered (or every one is being
 * consumed by another open transaction).
 */
export async function takeBufferedSignal(
  db: SqlExecutor,
  match: SignalMatch,
  stageRecordId: string,
  now: Date,
): Promise<SignalRecord | null> {
  const where = matchCondition(match, 2);
  const [row] = await db.query(
    `UPDATE ratchet_signals SET consumed_at = $1, consumed_by = $2
     WHERE id = (
       SELECT id FROM ratchet_signals WHERE ${where.sql} AND consumed_at IS NULL
       ORDER BY sent_at, id LIMIT 1 ${db.dialect.skipLocked})
     AND consumed_at IS NULL
     RETURNING ${SIGNAL_COLUMNS}`,
    db.dialect.date(now),
    stageRecordId,
    ...where.params,
  );
  return row ? signalFromRow(row) : null;
}

/** Marks a signal consumed by `stageRecordId`; `false` when it is missing or consumed already. */
export async function markSignalConsumed(
  db: SqlExecutor,
  id: string,
  stageRecordId: string,
  now: Date,
): Promise<boolean> {
  // PostgreSQL: a concurrent consumer's row lock makes this wait, then see it consumed.
  const marked = await db.execute(
    `UPDATE ratchet_signals SET consumed_at = $3, consumed_by = $2
     WHERE id = $1 AND consumed_at IS NULL`,
    id,
    stageRecordId,
    db.dialect.date(now),
  );
  return marked > 0;
}

/**
 * Locks a keyed signal's name and key until the transaction ends. PostgreSQL: a transaction
 * advisory lock on a 64-bit hash of the two (length-prefixed, so no two pairs make the same
 * text); outside a transaction it would end at once, so that is refused. SQLite: nothing to
 * do, its writers run one at a time (`BEGIN IMMEDIATE` on one connection per process, the
 * database's write lock between processes), so no delivery can overlap a wait being written.
 */
export async function lockSignalKey(
  db: SqlExecutor,
  name: string,
  matchKey: string,
): Promise<void> {
  if (db.dialect.provider !== "postgresql") return;
  if (!db.inTransaction) {
    throw new RatchetError(
      "NOT_IN_TRANSACTION",
      `[ratchet] [prisma] lockSignalKey("${name}", "${matchKey}") must be called inside a transaction (persistence.withTransaction): the lock is released when the transaction ends`,
    );
  }
  // Selected from, not as a column: Prisma's raw queries cannot read back a `void` column.
  await db.query(
    `SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended(length($1::text)::text || ':' || $1::text || $2::text, 0))`,
    name,
    matchKey,
  );
}

/** Stores a wait, replacing the stage record's earlier one. */
export async function putSignalWait(db: SqlExecutor, wait: SignalWaitRecord): Promise<void> {
  const d = db.dialect;
  await db.write(
    `INSERT INTO ratchet_signal_waits (stage_record_id, run_id, stage_id, name, match_key, kind, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (stage_record_id) DO UPDATE SET run_id = excluded.run_id,
       stage_id = excluded.stage_id, name = excluded.name, match_key = excluded.match_key,
       kind = excluded.kind, created_at = excluded.created_at, expires_at = excluded.expires_at`,
    wait.stageRecordId,
    wait.runId,
    wait.stageId,
    wait.name,
    wait.matchKey,
    wait.kind,
    d.date(wait.createdAt),
    d.dateOrNull(wait.expiresAt),
  );
}

/** The wait of a stage record. */
export async function getSignalWait(
  db: SqlExecutor,
  stageRecordId: string,
): Promise<SignalWaitRecord | null> {
  const [row] = await db.query(
    `SELECT ${SIGNAL_WAIT_COLUMNS} FROM ratchet_signal_waits WHERE stage_record_id = $1`,
    stageRecordId,
  );
  return row ? signalWaitFromRow(row) : null;
}

/** The oldest `limit` waits matching `match` (by `created_at`, then stage record id). */
export async function findSignalWaits(
  db: SqlExecutor,
  match: SignalMatch,
  limit: number,
): Promise<SignalWaitRecord[]> {
  const where = matchCondition(match, 1);
  const rows = await db.query(
    `SELECT ${SIGNAL_WAIT_COLUMNS} FROM ratchet_signal_waits WHERE ${where.sql}
     ORDER BY created_at, stage_record_id LIMIT $1`,
    Math.max(0, limit),
    ...where.params,
  );
  return rows.map(signalWaitFromRow);
}

/** Deletes a wait; `false` when there was none. */
export async function deleteSignalWait(db: SqlExecutor, stageRecordId: string): Promise<boolean> {
  const deleted = await db.execute(
    "DELETE FROM ratchet_signal_waits WHERE stage_record_id = $1",
    stageRecordId,
  );
  return deleted > 0;
}

/** Waits matching the query, oldest first (by `created_at`, then stage record id), after `after`. */
export async function listSignalWaits(
  db: SqlExecutor,
  query: ListSignalWaitsQuery,
): Promise<SignalWaitRecord[]> {
  const params: unknown[] = [Math.max(0, query.limit)];
  const where: string[] = [];
  if (query.runId !== undefined) {
    params.push(query.runId);
    where.push(`run_id = $${params.length}`);
  }
  if (query.kind !== undefined) {
    params.push(query.kind);
    where.push(`kind = $${params.length}`);
  }
  if (query.after !== undefined) {
    params.push(db.dialect.date(query.after.createdAt), query.after.stageRecordId);
    const at = `$${params.length - 1}`;
    where.push(
      `(created_at > ${at} OR (created_at = ${at} AND stage_record_id > $${params.length}))`,
    );
  }
  const rows = await db.query(
    `SELECT ${SIGNAL_WAIT_COLUMNS} FROM ratchet_signal_waits
     ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY created_at, stage_record_id LIMIT $1`,
    ...params,
  );
  return rows.map(signalWaitFromRow);
}
