/**
 * The statements behind Ratchet's transactions on D1 (docs/adr/0008-d1-transactions.md):
 *
 * - `ratchet_d1_lock`: one row; `holder` is the token of the transaction that holds the
 *   database, `expires_at` (epoch ms, the database's clock) when a crashed holder's lease ends.
 * - `ratchet_d1_undo`: the undo journal. While the lock is held, triggers on every Ratchet
 *   table record, in the same statement as each change, a statement that reverses it (values
 *   spelled with `quote()`, so text, numbers and blobs come back exactly). Commit deletes the
 *   journal; rollback — by the holder, or by whoever takes over an expired lease — runs it
 *   newest first and deletes it, in one batch.
 * - Guards: `SELECT abs(-9223372036854775808)` fails with "integer overflow", which makes a
 *   batch that starts with a guard fail as a whole (changing nothing) when its condition is
 *   false.
 */

/** The lock table. */
export const LOCK_TABLE = "ratchet_d1_lock";
/** The undo journal. */
export const UNDO_TABLE = "ratchet_d1_undo";

/** What SQLite says when a guard's condition is false. */
export const GUARD_FAILURE = "integer overflow";

/** The database's clock, epoch milliseconds. */
export const NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

/** Creates the lock row and the journal (idempotent). */
export const JOURNAL_TABLES: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${LOCK_TABLE} (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    holder TEXT,
    expires_at INTEGER NOT NULL DEFAULT 0
  )`,
  `INSERT INTO ${LOCK_TABLE} (id, holder, expires_at) VALUES (1, NULL, 0) ON CONFLICT (id) DO NOTHING`,
  `CREATE TABLE IF NOT EXISTS ${UNDO_TABLE} (
    seq INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    statement TEXT NOT NULL
  )`,
];

/** A batch's first statement: fails the batch unless `condition` (on the lock row) holds. */
function guard(condition: string): string {
  return `SELECT abs(CASE WHEN ${condition} THEN 0 ELSE -9223372036854775808 END) AS ratchet_d1_guard FROM ${LOCK_TABLE} WHERE id = 1`;
}

/** Guard: nobody holds the lock (one parameter-free statement). */
export const GUARD_FREE = guard("holder IS NULL");
/** Guard: the transaction whose token is the parameter holds the lock. */
export const GUARD_MINE = guard("holder = ?");

/** Takes the lock when it is free: parameters token, lease ms. */
export const ACQUIRE = `UPDATE ${LOCK_TABLE} SET holder = ?, expires_at = ${NOW_MS} + ? WHERE id = 1 AND holder IS NULL`;
/** Takes the lock when it is free or its lease has expired: parameters token, lease ms. */
export const TAKE_OVER = `UPDATE ${LOCK_TABLE} SET holder = ?, expires_at = ${NOW_MS} + ? WHERE id = 1 AND (holder IS NULL OR expires_at < ${NOW_MS})`;
/** Releases the lock: parameter token. */
export const RELEASE = `UPDATE ${LOCK_TABLE} SET holder = NULL, expires_at = 0 WHERE id = 1 AND holder = ?`;
/** The lock's state and the database's time. */
export const LOCK_STATE = `SELECT holder, expires_at, ${NOW_MS} AS now FROM ${LOCK_TABLE} WHERE id = 1`;
/** The undo statements, newest first. */
export const UNDO_STATEMENTS = `SELECT statement FROM ${UNDO_TABLE} ORDER BY seq DESC`;
/** Empties the journal (at commit, and at the end of a rollback). */
export const CLEAR_UNDO = `DELETE FROM ${UNDO_TABLE}`;
/** The number of rows the previous statement changed (triggers' rows not counted). */
export const CHANGES = "SELECT changes() AS ratchet_d1_changes";

/** The Ratchet tables the journal covers (listed from the schema). */
export const JOURNALED_TABLES = `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ratchet\\_%' ESCAPE '\\' AND name NOT IN ('${LOCK_TABLE}', '${UNDO_TABLE}', 'ratchet_migrations') ORDER BY name`;

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** An SQL string literal of `text`. */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The undo triggers of `table` with `columns`: dropped and created again, so a migration that
 * added a column is covered (run in one batch after migrating).
 */
export function undoTriggers(table: string, columns: readonly string[]): string[] {
  const held = `(SELECT holder FROM ${LOCK_TABLE} WHERE id = 1) IS NOT NULL`;
  const t = ident(table);
  const values = (row: "OLD") =>
    columns.map((c) => `quote(${row}.${ident(c)})`).join(` || ', ' || `);
  const sets = columns
    .map((c) => `${literal(`${ident(c)} = `)} || quote(OLD.${ident(c)})`)
    .join(` || ', ' || `);
  const columnList = literal(`INSERT INTO ${t} (rowid, ${columns.map(ident).join(", ")}) VALUES (`);
  const name = (kind: string) => ident(`ratchet_d1_undo_${table}_${kind}`);
  const log = (statement: string) => `INSERT INTO ${UNDO_TABLE} (statement) VALUES (${statement});`;
  return [
    `DROP TRIGGER IF EXISTS ${name("insert")}`,
    `DROP TRIGGER IF EXISTS ${name("update")}`,
    `DROP TRIGGER IF EXISTS ${name("delete")}`,
    `CREATE TRIGGER ${name("insert")} AFTER INSERT ON ${t} WHEN ${held} BEGIN ${log(
      `${literal(`DELETE FROM ${t} WHERE rowid = `)} || NEW.rowid`,
    )} END`,
    `CREATE TRIGGER ${name("update")} AFTER UPDATE ON ${t} WHEN ${held} BEGIN ${log(
      `${literal(`UPDATE ${t} SET rowid = `)} || OLD.rowid || ', ' || ${sets} || ' WHERE rowid = ' || NEW.rowid`,
    )} END`,
    `CREATE TRIGGER ${name("delete")} AFTER DELETE ON ${t} WHEN ${held} BEGIN ${log(
      `${columnList} || OLD.rowid || ', ' || ${values("OLD")} || ')'`,
    )} END`,
  ];
}
