/**
 * pg-boss 12 pieces every setting shares: how an instance is made, its `db` option over a
 * client inside our own transaction, and a worker that wakes itself while there is work.
 */
import type pg from "pg";
import { type ConstructorOptions, type Db, type Job, PgBoss, type WorkOptions } from "pg-boss";
import { type BenchJob, QUEUE } from "./jobs.js";

/**
 * A pg-boss instance on `url` with no cron scheduling and LISTEN/NOTIFY on (workers of a queue
 * created with `notify: true` wake when a job is sent to it); its errors go to stderr.
 */
export function newBoss(url: string, options: Partial<ConstructorOptions> = {}): PgBoss {
  const boss = new PgBoss({
    connectionString: url,
    schedule: false,
    useListenNotify: true,
    ...options,
  });
  boss.on("error", (error) => console.error("[pg-boss]", error));
  boss.on("warning", (warning) => console.error("[pg-boss] warning:", warning.message));
  return boss;
}

/** pg-boss's `db` option over a client inside our transaction. */
export const dbOver = (client: pg.ClientBase): Db => ({
  executeSql: async (text: string, values?: unknown[]) => client.query(text, values),
});

/**
 * The polling settings of every worker: the minimum base interval (0.5 s), and the same backstop
 * while NOTIFY is active (its default is 30 s: a worker whose first fetch finished before it knew
 * its own id, see {@link workSelfWaking}, would otherwise wait that long if no job arrived).
 */
export const POLLING: WorkOptions = {
  pollingIntervalSeconds: 0.5,
  notifyPollingIntervalSeconds: 0.5,
};

/**
 * One `work()` worker on {@link QUEUE} that calls `handler` with each fetch's jobs; pg-boss then
 * completes them all in one statement (or fails them all if `handler` throws).
 *
 * A pg-boss worker waits out its polling interval after every fetch, even one that found work,
 * unless it was notified meanwhile (LISTEN/NOTIFY wakes it only when a job is sent; a backlog
 * that was there before it started sends nothing). So after a fetch that found jobs the worker
 * calls the documented `notifyWorker(itsOwnId)`, which skips that wait: it fetches again at once
 * while there is work. (`burstWhenBatchFull` does the same only after full batches, and not at
 * all at `batchSize` 1.) Resolves with the worker's id.
 */
export async function workSelfWaking(
  boss: PgBoss,
  options: WorkOptions,
  handler: (jobs: Job<BenchJob>[]) => Promise<void>,
): Promise<string> {
  let id: string | undefined;
  id = await boss.work<BenchJob>(QUEUE, { ...POLLING, ...options }, async (jobs) => {
    await handler(jobs);
    // There was work: fetch again now rather than after the polling interval. (The first fetch
    // may finish before `work()` has resolved with the id; that one waits out the interval.)
    if (id && jobs.length > 0) boss.notifyWorker(id);
  });
  return id;
}
