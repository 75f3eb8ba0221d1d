/**
 * `migrateD1()`: the embedded SQLite migrations on a D1 database, then the undo journal that
 * Ratchet's transactions on D1 need (`../sql/d1-journal.ts`).
 *
 * D1 has no interactive transactions, so each migration runs as one `batch()`: its statements
 * and its bookkeeping row, all or nothing, while the migrator holds Ratchet's database lock
 * (`ratchet_d1_lock`). Concurrent migrators (two isolates starting at once) take turns; the
 * second finds the migrations applied.
 */
import {
  ACQUIRE,
  CLEAR_UNDO,
  JOURNAL_TABLES,
  JOURNALED_TABLES,
  undoTriggers,
} from "../sql/d1-journal.js";
import { D1Lock, isGuardFailure, newToken } from "../sql/d1-lock.js";
import type { D1Session, D1Statement } from "../sql/drivers/d1.js";
import { MigrationError } from "./errors.js";
import { assertValidMigrations, toAppliedMigration, verifyHistory } from "./history.js";
import type { MigrateResult } from "./migrate.js";
import { MIGRATIONS_TABLE, type Migration } from "./migration.js";
import { MIGRATIONS } from "./migrations.generated.js";
import { splitSqlStatements } from "./statements.js";

/** Options of {@link migrateD1}. */
export interface MigrateD1Options {
  /** Receives one line per step. */
  log?: (message: string) => void;
  /** The migrations to apply (default: this package's SQLite migrations). */
  migrations?: readonly Migration[];
  /** How long to wait for a Ratchet transaction of another isolate to end, ms (default 30 000). */
  lockWaitMs?: number;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "checksum" TEXT NOT NULL,
    "applied_at" DATETIME NOT NULL
)`;

/** How long a crashed migrator keeps other isolates waiting, ms. */
const MIGRATION_LEASE_MS = 120_000;

/**
 * Applies the pending migrations to the D1 database behind `session`, then creates (or brings
 * up to date) the lock, the journal and the undo triggers. When anything is to change, the
 * migrator holds Ratchet's database lock meanwhile, so no transaction runs on a table whose
 * undo triggers are being replaced.
 *
 * @throws {MigrationError} `MIGRATION_CHECKSUM_MISMATCH`, `MIGRATION_UNKNOWN`,
 *   `MIGRATION_FAILED` or `MIGRATION_INVALID`.
 */
export async function migrateD1(
  session: D1Session,
  options: MigrateD1Options = {},
): Promise<MigrateResult> {
  const migrations = options.migrations ?? MIGRATIONS.sqlite;
  assertValidMigrations(migrations);
  const log = (message: string) => options.log?.(`[ratchet] [prisma] d1: ${message}`);
  await session.batch([...JOURNAL_TABLES, CREATE_TABLE].map((sql) => ({ sql, params: [] })));
  if ((await pending(session, migrations)).length === 0 && (await triggerBatch(session)) === null) {
    return { applied: [], alreadyApplied: migrations.map((m) => m.id) };
  }
  const lock = new D1Lock(session, MIGRATION_LEASE_MS);
  const token = newToken();
  await acquire(session, lock, token, options.lockWaitMs ?? 30_000);
  const applied: string[] = [];
  try {
    for (const migration of await pending(session, migrations)) {
      log(`applying ${migration.id}`);
      try {
        await session.batch([
          lock.mine(token),
          ...splitSqlStatements(migration.sql).map((sql) => ({ sql, params: [] })),
          {
            sql: `INSERT INTO "${MIGRATIONS_TABLE}" ("id", "checksum", "applied_at") VALUES (?, ?, ?)`,
            params: [migration.id, migration.checksum, Date.now()],
          },
          { sql: CLEAR_UNDO, params: [] },
        ]);
      } catch (error) {
        throw new MigrationError(
          "MIGRATION_FAILED",
          `migration ${migration.id} failed and was rolled back: ${String(error instanceof Error ? error.message : error).trim()}`,
          { migrationId: migration.id, cause: error },
        );
      }
      applied.push(migration.id);
    }
    const triggers = await triggerBatch(session);
    if (triggers) await session.batch([lock.mine(token), ...triggers]);
  } finally {
    await lock.rollback(token, []);
  }
  log(`up to date (${applied.length} applied)`);
  return {
    applied,
    alreadyApplied: migrations.map((m) => m.id).filter((id) => !applied.includes(id)),
  };
}

/** The migrations not applied yet (after checking the applied ones). */
async function pending(
  session: D1Session,
  migrations: readonly Migration[],
): Promise<readonly Migration[]> {
  const rows = await session.query({
    sql: `SELECT "id", "checksum" FROM "${MIGRATIONS_TABLE}"`,
    params: [],
  });
  const history = rows.map(toAppliedMigration);
  verifyHistory(history, migrations);
  const done = new Set(history.map((row) => row.id));
  return migrations.filter((migration) => !done.has(migration.id));
}

/** Takes Ratchet's database lock for the migrator, waiting for a running transaction. */
async function acquire(session: D1Session, lock: D1Lock, token: string, waitMs: number) {
  const started = Date.now();
  for (;;) {
    try {
      await session.batch([
        { sql: ACQUIRE, params: [token, MIGRATION_LEASE_MS] },
        lock.mine(token),
      ]);
      return;
    } catch (error) {
      if (!isGuardFailure(error)) throw error;
      await lock.waitUntilFree(started + waitMs, started);
    }
  }
}

/**
 * The batch that makes the undo triggers of every Ratchet table current, or null when they
 * are current already.
 */
async function triggerBatch(session: D1Session): Promise<D1Statement[] | null> {
  const [columns, triggers] = await session.batch([
    {
      sql: `SELECT m.name AS tbl, p.name AS col FROM (${JOURNALED_TABLES}) m, pragma_table_info(m.name) p ORDER BY m.name, p.cid`,
      params: [],
    },
    {
      sql: `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ratchet_d1_undo_%'`,
      params: [],
    },
  ]);
  const byTable = new Map<string, string[]>();
  for (const row of columns ?? []) {
    const list = byTable.get(String(row.tbl)) ?? [];
    list.push(String(row.col));
    byTable.set(String(row.tbl), list);
  }
  const wanted = [...byTable].flatMap(([table, cols]) => undoTriggers(table, cols));
  const creates = wanted.filter((sql) => sql.startsWith("CREATE"));
  const existing = new Set((triggers ?? []).map((row) => String(row.sql)));
  if (creates.length === existing.size && creates.every((sql) => existing.has(sql))) return null;
  return wanted.map((sql) => ({ sql, params: [] }));
}
