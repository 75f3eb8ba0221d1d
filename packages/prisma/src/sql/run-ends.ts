/**
 * Run-end notices ("run X may have ended") for `awaitRunResult`, as wake-ups are for hosts:
 *
 * - PostgreSQL, across processes: a trigger on `ratchet_runs` (migration
 *   `0013_run_end_notify`) runs `pg_notify('ratchet_run_ended', id)` in the transaction that
 *   moves a run to a terminal status — every statement that ends runs, the batched completion
 *   statement included, with no round trip of its own; PostgreSQL delivers it only on commit.
 *   The stack's LISTEN connection (shared with wake-ups) hears it.
 * - In this process: the run writes that can end a run (`updateRun`, `updateLockedRun`,
 *   `endUnreadableRun`) tell the database's {@link LocalRunEnds} after commit. On SQLite every
 *   stack on one file in this process shares them, so a caller's stack hears a worker's stack.
 * - SQLite, across processes: the watch on the file (`sqlite-watch.ts`) says "any run may have
 *   ended" (`undefined`), and waiters read again.
 */
import { isTerminalRunStatus, type RunStatus } from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "./executor.js";
import { LocalNotices } from "./local-notices.js";

/** The PostgreSQL channel run-end notices travel on (payload: the run id). */
export const RUN_ENDED_CHANNEL = "ratchet_run_ended";

/** Run-end notices within one process. */
export class LocalRunEnds extends LocalNotices<string | undefined> {}

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
