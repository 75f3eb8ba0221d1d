/**
 * The signal test's own table, next to the engine's: `signal_ledger`, one row per execution of
 * `prepare` or `finish`, inserted by the stage itself as it starts (committed on its own) and
 * stamped with the worker's id and the database server's time.
 */

/** The statement that creates the ledger. */
export const SIGNAL_LEDGER_DDL = `CREATE TABLE IF NOT EXISTS signal_ledger (
  run_id TEXT NOT NULL, stage_id TEXT NOT NULL, attempt INTEGER NOT NULL, worker TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())`;

/** The ledger insert a worker sends (`at` is left to the server's clock). */
export const SIGNAL_LEDGER_INSERT =
  "INSERT INTO signal_ledger (run_id, stage_id, attempt, worker) VALUES ($1, $2, $3, $4)";
