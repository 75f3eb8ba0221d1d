/**
 * pg-boss 10.4.2 pieces every setting shares: how an instance is made, its `db` option over a
 * client inside our own transaction, and a worker that wakes itself while there is work.
 */
import type pg from "pg";
import PgBoss from "pg-boss";
import { type BenchJob, QUEUE } from "./jobs.js";

/** A pg-boss instance on `url` with no cron scheduling; its errors go to stderr. */
export function newBoss(url: string, options: Partial<PgBoss.ConstructorOptions> = {}): PgBoss {
  const boss = new PgBoss({ connectionString: url, schedule: false, ...options });
  boss.on("error", (error) => console.error("[pg-boss]", error));
  return boss;
}

/** pg-boss's `db` option over a client inside our transaction. */
export const dbOver = (client: pg.ClientBase): PgBoss.Db => ({
  executeSql: async (text: string, values: unknown[]) => client.query(text, values),
});

/**
 * One `work()` worker on {@link QUEUE} that calls `handler` with each fetch's jobs; pg-boss then
 * completes them all in one statement (or fails them all if `handler` throws).
 *
 * pg-boss 10 has no LISTEN, and its worker loop waits out the rest of `pollingIntervalSeconds`
 * even after a fetch that found work. So after a fetch that found jobs the worker calls the
 * documented `notifyWorker(itsOwnId)`, which skips that wait: it fetches again at once while
 * there is work, and polls only when the queue is empty. Resolves with the worker's id.
 */
export async function workSelfWaking(
  boss: PgBoss,
  options: PgBoss.WorkOptions,
  handler: (jobs: PgBoss.Job<BenchJob>[]) => Promise<void>,
): Promise<string> {
  let id: string | undefined;
  id = await boss.work<BenchJob>(QUEUE, options, async (jobs) => {
    await handler(jobs);
    // There was work: fetch again now rather than after the polling interval. (The first fetch
    // may finish before `work()` has resolved with the id; that one waits out the interval.)
    if (id && jobs.length > 0) boss.notifyWorker(id);
  });
  return id;
}
