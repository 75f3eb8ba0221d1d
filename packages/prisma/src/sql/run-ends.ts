/**
 * Run-end notices ("run X may have ended") for `awaitRunResult`, as wake-ups are for hosts:
 *
 * - PostgreSQL, across processes: a trigger on `ratchet_runs` (migrations `0014_run_end_notify`,
 *   `0017_run_waiters`, `0018_run_end_record`) runs `pg_notify('ratchet_run_ended', …)` when a
 *   transaction that moved an awaited run to a terminal status commits — every statement that
 *   ends runs, the batched completion statement included, with no round trip of its own;
 *   PostgreSQL delivers it only on commit. The payload is the run's row as JSON when it fits
 *   (read at commit, so the transaction's last write of the run), else the run's id:
 *   {@link runEndNoticeOf} decodes it. The stack's LISTEN connection (shared with wake-ups)
 *   hears it.
 * - In this process: the run writes that can end a run (`updateRun`, `updateLockedRun`,
 *   `endUnreadableRun`) tell the database's {@link LocalRunEnds} after commit. On SQLite every
 *   stack on one file in this process shares them, so a caller's stack hears a worker's stack.
 * - SQLite, across processes: the watch on the file (`sqlite-watch.ts`) says "any run may have
 *   ended" (`undefined`), and waiters read again.
 */
import { isTerminalRunStatus, type RunRecord, type RunStatus } from "@ratchet/kernel/adapter";
import { RUN_COLUMNS, runFromRow } from "../persistence/rows.js";
import type { SqlExecutor } from "./executor.js";
import { LocalNotices } from "./local-notices.js";

/**
 * The PostgreSQL channel run-end notices travel on. Payload: the ended run's row as a JSON
 * object (`row_to_json`, timestamps in UTC) when it fits, else the run's id.
 */
export const RUN_ENDED_CHANNEL = "ratchet_run_ended";

/**
 * A run-end notice within one process: a run id ("it may have ended"), `undefined` ("any run
 * may have ended"), or the ended run's committed record (it ended, and this is its record —
 * see `RunEndListener` in `@ratchet/kernel`).
 */
export type RunEndNotice = string | undefined | RunRecord;

/** Run-end notices within one process. */
export class LocalRunEnds extends LocalNotices<RunEndNotice> {}

/** The columns a record payload must hold, all of them: what `getRun` reads. */
const RECORD_COLUMNS = RUN_COLUMNS.split(",").map((column) => column.trim());

/**
 * The notice a `ratchet_run_ended` payload stands for. A JSON object with every column `getRun`
 * reads is decoded with `getRun`'s own decoder (`runFromRow`), so the record is the one
 * `getRun` would return (dates, numbers, JSON text columns alike); it must be terminal and its
 * dates valid. A JSON object with an `id` that fails any of that names that run only (the
 * waiter reads it). Anything else — an old trigger's payload — is a run id.
 */
export function runEndNoticeOf(payload: string): RunEndNotice {
  if (!payload.startsWith("{")) return payload;
  let row: unknown;
  try {
    row = JSON.parse(payload);
  } catch {
    return payload;
  }
  if (typeof row !== "object" || row === null || Array.isArray(row)) return payload;
  const fields = row as Record<string, unknown>;
  if (typeof fields.id !== "string") return payload;
  if (!RECORD_COLUMNS.every((column) => column in fields)) return fields.id;
  try {
    const run = runFromRow(fields);
    const dates = [run.createdAt, run.updatedAt, run.startedAt, run.completedAt];
    if (!isTerminalRunStatus(run.status)) return run.id;
    if (dates.some((date) => date !== null && Number.isNaN(date.getTime()))) return run.id;
    return run;
  } catch {
    return fields.id;
  }
}

const byDatabase = new WeakMap<object, LocalRunEnds>();

/**
 * The in-process run-end notices of a database client; `shared` makes the client use those
 * (an SQLite stack passes the ones of its file, so every stack on the file shares them).
 */
export function runEndsOf(database: object, shared?: LocalRunEnds): LocalRunEnds {
  let ends = byDatabase.get(database);
  if (!ends || (shared && ends !== shared)) {
    ends = shared ?? new LocalRunEnds();
    byDatabase.set(database, ends);
  }
  return ends;
}

const byFile = new Map<string, LocalRunEnds>();

/** The in-process run-end notices of every stack on the SQLite file at absolute `path`. */
export function runEndsOfFile(path: string): LocalRunEnds {
  let ends = byFile.get(path);
  if (!ends) {
    ends = new LocalRunEnds();
    byFile.set(path, ends);
  }
  return ends;
}

/**
 * After a write that may have ended run `runId` (its patch set `status`): tells this process's
 * subscribers once the transaction commits. Free when nobody in this process is waiting.
 */
export function announceRunEnd(
  db: SqlExecutor,
  runId: string,
  status: RunStatus | undefined,
): void {
  if (status === undefined || !isTerminalRunStatus(status)) return;
  const ends = byDatabase.get(db.database);
  if (ends !== undefined && ends.size > 0) db.afterCommit(() => ends.emit(runId));
}
