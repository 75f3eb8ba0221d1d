/**
 * Which executor each Prisma job queue writes through, so the persistence of the same
 * database can settle and enqueue its jobs in its own statements (the stage committer).
 */
import type { JobTransport } from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";

const executors = new WeakMap<JobTransport, SqlExecutor>();

/** Records that `queue` writes through `executor`. */
export function registerJobQueue<T extends JobTransport>(queue: T, executor: SqlExecutor): T {
  executors.set(queue, executor);
  return queue;
}

/** Whether `queue` is a Prisma job queue on the same database as `executor`. */
export function isJobQueueOf(queue: JobTransport, executor: SqlExecutor): boolean {
  return executors.get(queue)?.database === executor.database;
}
