/**
 * The `pg-boss` setting: ten `work()` workers of `batchSize` 1 (concurrency 10; the same as one
 * `work()` with `localConcurrency` 10, but each worker knows its own id) at the minimum polling
 * interval (0.5 s) and woken by LISTEN/NOTIFY, each waking itself after a job
 * ({@link workSelfWaking}). Each
 * job's effect is its own statement: `send()` of the next job, or the result's INSERT; a W2
 * parallel job counts down in a transaction of its own and sends the join inside it.
 */
import type pg from "pg";
import type { PgBoss } from "pg-boss";
import { CONCURRENCY } from "../../spec.js";
import { countDown, insertResult, inTransaction, type RunClock } from "../common.js";
import { dbOver, workSelfWaking } from "./boss.js";
import type { PgBossSetting } from "./driver.js";
import { joinJob, QUEUE, type Step, step } from "./jobs.js";

/** Writes one job's effect. */
async function write(b: PgBoss, pool: pg.Pool, clock: RunClock, effect: Step): Promise<void> {
  switch (effect.kind) {
    case "send":
      await b.send(QUEUE, effect.job);
      return;
    case "result":
      await insertResult(pool, clock, effect.run, effect.n);
      return;
    case "countDown": {
      const client = await pool.connect();
      try {
        await inTransaction(client, async (tx) => {
          const total = await countDown(tx, effect.run, effect.n);
          if (total !== undefined)
            await b.send(QUEUE, joinJob(effect.run, total), { db: dbOver(tx) });
        });
      } finally {
        client.release();
      }
      return;
    }
  }
}

/** Ten workers of one job each. */
export const oneJobPerWorker: PgBossSetting = {
  async work(boss, pool, clock) {
    for (let w = 0; w < CONCURRENCY; w++)
      await workSelfWaking(boss, { batchSize: 1 }, async (jobs) => {
        for (const job of jobs) await write(boss, pool, clock, await step(job.data, clock));
      });
  },
};
