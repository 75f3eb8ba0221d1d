/**
 * PostgreSQL's run-end trigger notifies only runs listed in `ratchet_run_waiters` (migration
 * 0017): a NOTIFY wakes every backend that LISTENs in the database, whatever its channel, and
 * each reads it in a transaction of its own — so notifying every run's end cost each host's
 * wake-up listener one more commit per run. `awaitRunResult` lists its run while it waits
 * (`RunEndSource.watch`).
 */
import { randomUUID } from "node:crypto";
import type { SqlExecutor } from "../sql/executor.js";

/**
 * Lists run `runId` as awaited; the returned function unlists it. The row is committed when
 * the promise resolves, so the run's end from then on notifies. A waiter that dies leaves its
 * row behind, which costs at most one notice when that run ends.
 */
export async function watchRun(db: SqlExecutor, runId: string): Promise<() => Promise<void>> {
  const waiterId = randomUUID();
  await db.execute(
    `INSERT INTO "ratchet_run_waiters" ("run_id", "waiter_id", "since") VALUES ($1, $2, now())`,
    runId,
    waiterId,
  );
  return async () => {
    await db.execute(
      `DELETE FROM "ratchet_run_waiters" WHERE "run_id" = $1 AND "waiter_id" = $2`,
      runId,
      waiterId,
    );
  };
}
