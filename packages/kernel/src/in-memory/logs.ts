/** Log operations of the in-memory persistence. */
import type { LogRecord } from "../records.js";
import { cloneJson, copyDate } from "./copy.js";
import { rowsOf } from "./select.js";
import { duplicateKeyError, type InMemoryStore, type LogRow } from "./store.js";
import type { StoreTransaction } from "./table.js";

function copyLog(row: LogRow): LogRecord {
  return {
    id: row.id,
    runId: row.runId,
    stageId: row.stageId,
    level: row.level,
    message: row.message,
    data: cloneJson(row.data),
    createdAt: copyDate(row.createdAt),
  };
}

/** Stores log lines. */
export function appendLogs(
  store: InMemoryStore,
  tx: StoreTransaction,
  logs: readonly LogRecord[],
): void {
  for (const log of logs) {
    if (store.logs.get(log.id) !== undefined) throw duplicateKeyError("log", log.id);
    store.logs.replace(tx, log.id, undefined, {
      id: log.id,
      runId: log.runId,
      stageId: log.stageId,
      level: log.level,
      message: log.message,
      data: cloneJson(log.data),
      createdAt: copyDate(log.createdAt),
      seq: store.nextSeq(),
    });
  }
}

/** A run's log lines, oldest first. */
export function listLogs(store: InMemoryStore, runId: string): LogRecord[] {
  return rowsOf(store.logsByRun.keysOf(runId), (id) => store.logs.get(id))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.seq - b.seq)
    .map(copyLog);
}
