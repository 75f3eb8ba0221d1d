/**
 * Log statements.
 */
import type { LogRecord } from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";
import { jsonOrNull } from "../sql/rows.js";
import { LOG_COLUMNS, logFromRow } from "./rows.js";

/** Appends log lines. */
export async function appendLogs(db: SqlExecutor, logs: readonly LogRecord[]): Promise<void> {
  if (logs.length === 0) return;
  const params: unknown[] = [];
  const values = logs.map((log) => {
    params.push(
      log.id,
      log.runId,
      log.stageId,
      log.level,
      log.message,
      jsonOrNull(log.data),
      db.dialect.date(log.createdAt),
    );
    const n = params.length;
    return `($${n - 6}, $${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
  });
  await db.write(
    `INSERT INTO ratchet_logs (${LOG_COLUMNS}) VALUES ${values.join(", ")}`,
    ...params,
  );
}

/** A run's log lines, oldest first. */
export async function listLogs(db: SqlExecutor, runId: string): Promise<LogRecord[]> {
  const rows = await db.query(
    `SELECT ${LOG_COLUMNS} FROM ratchet_logs WHERE run_id = $1 ORDER BY created_at, id`,
    runId,
  );
  return rows.map(logFromRow);
}
