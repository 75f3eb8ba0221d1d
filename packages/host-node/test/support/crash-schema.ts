/**
 * The crash test's own tables, next to the engine's, with every time taken from one clock:
 * the database server's (`clock_timestamp()`), whoever writes the row.
 *
 * - `crash_ledger`: one row per stage execution, inserted by the stage itself as it starts
 *   (committed on its own); `at` is when the server ran the insert.
 * - `crash_kills`: one row per SIGKILL, written by the controller: `sent_at` is read before the
 *   signal is sent, `dead_by` after the process was seen gone, so the process died in between.
 * - `crash_commits`: one row each time a stage record becomes `COMPLETED`, written by a trigger
 *   inside the committing transaction (so only a commit that happened leaves one; `at` is a
 *   moment just before that commit).
 */

/** The statements that create the tables and the trigger (one statement each). */
export const CRASH_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS crash_ledger (
     run_id TEXT NOT NULL, stage_id TEXT NOT NULL, attempt INTEGER NOT NULL, pid INTEGER NOT NULL,
     worker TEXT NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())`,
  `CREATE TABLE IF NOT EXISTS crash_kills (
     worker TEXT PRIMARY KEY, pid INTEGER NOT NULL,
     sent_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), dead_by TIMESTAMPTZ)`,
  `CREATE TABLE IF NOT EXISTS crash_commits (
     run_id TEXT NOT NULL, stage_id TEXT NOT NULL,
     at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())`,
  `CREATE OR REPLACE FUNCTION crash_note_commit() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF NEW.status = 'COMPLETED' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'COMPLETED') THEN
       INSERT INTO crash_commits (run_id, stage_id) VALUES (NEW.run_id, NEW.stage_id);
     END IF;
     RETURN NULL;
   END $$`,
  `CREATE OR REPLACE TRIGGER crash_note_commit AFTER INSERT OR UPDATE ON ratchet_stages
   FOR EACH ROW EXECUTE FUNCTION crash_note_commit()`,
];

/** The ledger insert a worker sends (`at` is left to the server's clock). */
export const LEDGER_INSERT =
  "INSERT INTO crash_ledger (run_id, stage_id, attempt, pid, worker) VALUES ($1, $2, $3, $4, $5)";
