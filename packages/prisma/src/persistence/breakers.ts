/**
 * Circuit-breaker statements (`ratchet_circuit_breakers`, one row per name). `lockBreaker`
 * inserts the row when missing (`ON CONFLICT DO NOTHING`: a row another transaction inserted
 * meanwhile is kept) and reads it `FOR UPDATE` on PostgreSQL, so concurrent failures of a
 * guarded stage serialise on the row and all count; SQLite's writers are serialised by
 * `BEGIN IMMEDIATE`. `failures` and `probes` are JSON arrays of ISO times.
 */
import {
  type BreakerRecord,
  type BreakerState,
  type BreakerWrite,
  RatchetError,
} from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";
import {
  json,
  jsonOrNull,
  parseJson,
  parseJsonOrNull,
  type RowSource,
  toDate,
  toDateOrNull,
  toNumber,
} from "../sql/rows.js";

type Row = Record<string, unknown>;

const BREAKERS: RowSource = { table: "ratchet_circuit_breakers", idColumn: "name" };

const COLUMNS =
  "name, state, failures, opened_at, opened_failures, half_open_at, probes, last_error, version, updated_at";

/** A breaker row as a record. */
function breakerFromRow(row: Row): BreakerRecord {
  const failures = parseJson<string[]>(row.failures, BREAKERS, row, "failures");
  const probes = parseJson<Array<{ jobId: string; until: string }>>(
    row.probes,
    BREAKERS,
    row,
    "probes",
  );
  return {
    name: row.name as string,
    state: row.state as BreakerState,
    failures: failures.map((f) => new Date(f)),
    openedAt: toDateOrNull(row.opened_at),
    openedFailures: toNumber(row.opened_failures),
    halfOpenAt: toDateOrNull(row.half_open_at),
    probes: probes.map((p) => ({ jobId: p.jobId, until: new Date(p.until) })),
    lastError: parseJsonOrNull<{ code: string; message: string }>(
      row.last_error,
      BREAKERS,
      row,
      "last_error",
    ),
    version: toNumber(row.version),
    updatedAt: toDate(row.updated_at),
  };
}

/** A breaker by name. */
export async function getBreaker(db: SqlExecutor, name: string): Promise<BreakerRecord | null> {
  const [row] = await db.query(
    `SELECT ${COLUMNS} FROM ratchet_circuit_breakers WHERE name = $1`,
    name,
  );
  return row ? breakerFromRow(row) : null;
}

/** Every breaker, by name. */
export async function listBreakers(db: SqlExecutor): Promise<BreakerRecord[]> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM ratchet_circuit_breakers ORDER BY name`);
  return rows.map(breakerFromRow);
}

/** The breaker's row, inserted closed when missing, locked until the transaction ends. */
export async function lockBreaker(
  db: SqlExecutor,
  name: string,
  now: Date,
): Promise<BreakerRecord> {
  if (!db.inTransaction) {
    throw new RatchetError(
      "NOT_IN_TRANSACTION",
      `[ratchet] [prisma] lockBreaker("${name}") must be called inside a transaction (persistence.withTransaction): the lock is released when the transaction ends`,
    );
  }
  const d = db.dialect;
  await db.execute(
    `INSERT INTO ratchet_circuit_breakers (name, state, failures, opened_failures, probes, version, updated_at)
     VALUES ($1, 'CLOSED', '[]', 0, '[]', 1, $2) ON CONFLICT (name) DO NOTHING`,
    name,
    d.date(now),
  );
  const lock = d.forUpdate ? ` ${d.forUpdate}` : "";
  const [row] = await db.query(
    `SELECT ${COLUMNS} FROM ratchet_circuit_breakers WHERE name = $1${lock}`,
    name,
  );
  return breakerFromRow(row as Row);
}

/** Writes a breaker locked by {@link lockBreaker}; its new version. */
export async function saveBreaker(db: SqlExecutor, breaker: BreakerWrite): Promise<number> {
  const d = db.dialect;
  const [row] = await db.query<{ version: unknown }>(
    `UPDATE ratchet_circuit_breakers SET state = $2, failures = $3, opened_at = $4, opened_failures = $5,
       half_open_at = $6, probes = $7, last_error = $8, updated_at = $9, version = version + 1
     WHERE name = $1 RETURNING version`,
    breaker.name,
    breaker.state,
    json(breaker.failures.map((f) => f.toISOString())),
    d.dateOrNull(breaker.openedAt),
    breaker.openedFailures,
    d.dateOrNull(breaker.halfOpenAt),
    json(breaker.probes.map((p) => ({ jobId: p.jobId, until: p.until.toISOString() }))),
    jsonOrNull(breaker.lastError),
    d.date(breaker.updatedAt),
  );
  if (!row) {
    throw new RatchetError(
      "BREAKER_NOT_LOCKED",
      `[ratchet] [prisma] saveBreaker("${breaker.name}"): no such breaker; call lockBreaker first in the same transaction`,
    );
  }
  return toNumber(row.version);
}

/** Deletes a breaker; whether there was one. */
export async function deleteBreaker(db: SqlExecutor, name: string): Promise<boolean> {
  return (await db.execute(`DELETE FROM ratchet_circuit_breakers WHERE name = $1`, name)) > 0;
}
