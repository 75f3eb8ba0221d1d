/**
 * `renewLeases`: a worker's heartbeat over every job it holds, in statements that can never be
 * part of a deadlock.
 *
 * On PostgreSQL one statement renews, in one round trip, every job the worker still holds whose
 * row nobody else has locked right now (`FOR UPDATE SKIP LOCKED`: it never waits). A job it
 * skipped and the worker still holds (another transaction has its row: the worker's own
 * completion batch, a reaper, a cancel) is then renewed by a statement of its own, which waits
 * for that row while holding no other lock. A statement that waits while holding rows can
 * deadlock with one that takes the same rows in another order, and ordering alone cannot rule
 * that out: a `SKIP LOCKED` pick keeps the lock on a row it re-checked and skipped (a job leased
 * to this worker between the pick's snapshot and its lock), so a completion batch that refills
 * can hold a job of this worker's without having asked for it. The crash test met that deadlock
 * (PostgreSQL failed the heartbeat with 40P01 after `deadlock_timeout`).
 *
 * SQLite has one writer at a time: a single `UPDATE` is safe there.
 */
import type { RenewLeasesResult } from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";

/** Renews the leases of `jobIds` that `workerId` still holds, to `now + leaseMs`. */
export async function renewLeases(
  root: SqlExecutor,
  jobIds: readonly string[],
  workerId: string,
  leaseMs: number,
  now: Date,
): Promise<RenewLeasesResult> {
  if (jobIds.length === 0) return { renewed: [], lost: [] };
  const d = root.dialect;
  const until = d.date(new Date(now.getTime() + leaseMs));
  const at = d.date(now);
  const marks = jobIds.map((_, i) => `$${i + 4}`).join(", ");
  const rows = await root.query<{ job_id: string }>(
    d.provider === "postgresql"
      ? `WITH held AS MATERIALIZED (SELECT seq FROM ratchet_jobs WHERE job_id IN (${marks}) AND status = 'RUNNING' AND locked_by = $1 ${d.skipLocked})
         UPDATE ratchet_jobs SET locked_until = $2, updated_at = $3 WHERE seq = ANY (ARRAY(SELECT seq FROM held)) AND status = 'RUNNING' AND locked_by = $1 RETURNING job_id`
      : `UPDATE ratchet_jobs SET locked_until = $2, updated_at = $3 WHERE status = 'RUNNING' AND locked_by = $1 AND job_id IN (${marks}) RETURNING job_id`,
    workerId,
    until,
    at,
    ...jobIds,
  );
  const renewed = new Set(rows.map((row) => row.job_id));
  if (d.provider === "postgresql" && renewed.size < jobIds.length) {
    for (const jobId of await skippedButHeld(root, jobIds, renewed, workerId)) {
      const [row] = await root.query<{ job_id: string }>(
        `UPDATE ratchet_jobs SET locked_until = $2, updated_at = $3 WHERE job_id = $4 AND status = 'RUNNING' AND locked_by = $1 RETURNING job_id`,
        workerId,
        until,
        at,
        jobId,
      );
      if (row !== undefined) renewed.add(jobId);
    }
  }
  return {
    renewed: jobIds.filter((id) => renewed.has(id)),
    lost: jobIds.filter((id) => !renewed.has(id)),
  };
}

/**
 * The jobs among `jobIds` not in `renewed` that `workerId` still holds as far as a plain read
 * sees (no lock): those the renewing statement skipped because another transaction had their
 * row. Jobs the worker lost (reaped, finished, cancelled) are not read again one by one.
 */
async function skippedButHeld(
  root: SqlExecutor,
  jobIds: readonly string[],
  renewed: ReadonlySet<string>,
  workerId: string,
): Promise<string[]> {
  const missing = jobIds.filter((id) => !renewed.has(id));
  const rows = await root.query<{ job_id: string }>(
    `SELECT job_id FROM ratchet_jobs WHERE job_id = ANY ($2::text[]) AND status = 'RUNNING' AND locked_by = $1 ORDER BY job_id`,
    workerId,
    missing,
  );
  return rows.map((row) => row.job_id);
}
