/**
 * The `pg-boss-batch` setting: batch fetch and batch completion of 10. One `work()` worker with
 * `batchSize` 10, polling every 0.5 s (the minimum) and woken by LISTEN/NOTIFY, fetches up to ten
 * jobs in one statement, runs their stages concurrently, writes the batch's effects in as few
 * statements as the library allows, and returns; pg-boss then completes the whole batch in one
 * statement. The worker wakes itself after a batch ({@link workSelfWaking}), so it polls only
 * when idle.
 *
 * A batch's effects, written concurrently:
 * - the next jobs of its chains: one `insert(queue, [...])`;
 * - the results of its runs' last stages: one INSERT;
 * - its W2 parallel stages: one transaction that counts them all down on their runs' rows
 *   ({@link countDownAll}) and inserts the joins of the runs that reached zero with one
 *   `insert(queue, [...], { db })` inside it.
 */
import type pg from "pg";
import type { JobInsert, PgBoss } from "pg-boss";
import { CONCURRENCY } from "../../spec.js";
import { countDownAll, insertResults, inTransaction, type RunClock } from "../common.js";
import { dbOver, workSelfWaking } from "./boss.js";
import type { PgBossSetting } from "./driver.js";
import { type BenchJob, joinJob, QUEUE, type Step, step } from "./jobs.js";

type Effect<K extends Step["kind"]> = Extract<Step, { kind: K }>;

const asInserts = (jobs: readonly BenchJob[]): JobInsert[] => jobs.map((data) => ({ data }));

/** Counts a batch's parallel stages down and enqueues the joins they complete, atomically. */
async function countDown(
  b: PgBoss,
  pool: pg.Pool,
  stages: readonly Effect<"countDown">[],
): Promise<void> {
  const client = await pool.connect();
  try {
    await inTransaction(client, async (tx) => {
      const done = await countDownAll(tx, stages);
      const joins = [...done].map(([run, total]) => joinJob(run, total));
      if (joins.length > 0) await b.insert(QUEUE, asInserts(joins), { db: dbOver(tx) });
    });
  } finally {
    client.release();
  }
}

/** Writes a batch's effects. */
async function writeAll(
  b: PgBoss,
  pool: pg.Pool,
  clock: RunClock,
  effects: readonly Step[],
): Promise<void> {
  const of = <K extends Step["kind"]>(kind: K) =>
    effects.filter((e): e is Effect<K> => e.kind === kind);
  const sends = of("send");
  const results = of("result");
  const countDowns = of("countDown");
  await Promise.all([
    sends.length > 0 && b.insert(QUEUE, asInserts(sends.map((e) => e.job))),
    results.length > 0 && insertResults(pool, clock, results),
    countDowns.length > 0 && countDown(b, pool, countDowns),
  ]);
}

/** One worker of batches of {@link CONCURRENCY} (10). */
export const batchesOfTen: PgBossSetting = {
  async work(boss, pool, clock) {
    await workSelfWaking(boss, { batchSize: CONCURRENCY }, async (jobs) => {
      const effects = await Promise.all(jobs.map((job) => step(job.data, clock)));
      await writeAll(boss, pool, clock, effects);
    });
  },
};
