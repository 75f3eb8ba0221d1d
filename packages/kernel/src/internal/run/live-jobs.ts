/**
 * A run's live jobs, for a decision made under the run's lock (what to enqueue again, whether a
 * stage is being executed). Read through the command's transaction after the lock is taken, so
 * a command that waited for the lock sees the jobs its predecessor enqueued; a list read before
 * the wait would be stale, and a stage would get a second job and run twice.
 */
import type { JobRecord } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import type { UnitOfWork } from "../tx/unit-of-work.js";

/** Reads the live jobs of a run inside a transaction that holds the run's lock. */
export type LiveJobsReader = (uow: UnitOfWork) => Promise<JobRecord[]>;

/**
 * The reader for `runId`. A transport that joins transactions is read inside the transaction
 * (call the reader after locking the run). One that cannot join is read now, before the
 * transaction: it cannot be read under the lock, and a caller must not wait on it while
 * holding one.
 */
export async function liveJobsOf(deps: KernelDeps, runId: string): Promise<LiveJobsReader> {
  const transport = deps.jobTransport;
  if (transport.joinsTransactions) return (uow) => transport.activeJobsForRun(runId, uow.tx);
  const early = await transport.activeJobsForRun(runId);
  return async () => early;
}
