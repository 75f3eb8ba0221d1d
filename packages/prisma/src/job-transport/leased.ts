/**
 * Jobs a statement just leased, as `DequeuedJob`s in dequeue order: by highest priority, then
 * oldest run (`order_at`), then first enqueued (`seq`). Used by `dequeue` and by the stage
 * completions that refill a worker's slot in their own commit (`completions-postgres.ts`).
 *
 * A job whose row cannot be read is failed where it stands (the run's repair, `run.reapStuck`,
 * enqueues its stage again), so it cannot fail every lease it comes up in.
 */
import type { DequeuedJob } from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";
import { type CorruptRowError, decodeReadable, json, toDate } from "../sql/rows.js";
import { dequeuedFromRow } from "./rows.js";
import { snapshotOfRow } from "./snapshots.js";

type Row = Record<string, unknown>;

/** Fails a job whose row cannot be read (a dequeue, a refill, a stale-lease release), recording why. */
export async function failUnreadableJob(
  db: SqlExecutor,
  row: Row,
  error: CorruptRowError,
  now: Date,
): Promise<void> {
  await db.execute(
    `UPDATE ratchet_jobs SET status = 'FAILED', last_error = $2, locked_by = NULL, locked_until = NULL, updated_at = $3
     WHERE job_id = $1`,
    row.job_id,
    json({ code: error.code, message: error.message }),
    db.dialect.date(now),
  );
}

/**
 * Decodes leased job rows (`DEQUEUED_COLUMNS`, `order_at`, `seq`, and on PostgreSQL the
 * snapshot columns of `leaseWithSnapshots`) and sorts them in dequeue order.
 */
export async function leasedJobsFromRows(
  db: SqlExecutor,
  rows: readonly Row[],
  now: Date,
): Promise<DequeuedJob[]> {
  const postgres = db.dialect.provider === "postgresql";
  const readable = await decodeReadable(
    rows,
    (row) => {
      const job = dequeuedFromRow(row);
      const snapshot = postgres ? snapshotOfRow(row) : undefined;
      return {
        job: snapshot ? { ...job, snapshot } : job,
        seq: BigInt(row.seq as bigint | number | string),
        // NULL only in rows finished before migration 0016 (sorted last, as PostgreSQL does).
        at: row.order_at == null ? Number.POSITIVE_INFINITY : toDate(row.order_at).getTime(),
      };
    },
    (row, error) => failUnreadableJob(db, row, error, now),
  );
  return readable
    .sort(
      (a, b) =>
        b.job.priority - a.job.priority ||
        a.at - b.at ||
        (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0),
    )
    .map((entry) => entry.job);
}
