/**
 * The driver every pg-boss setting goes through: schema, enqueuer, probe and W3 caller are the
 * same for all of them; only the worker differs ({@link PgBossSetting}).
 *
 * A run is a chain of jobs on one queue: each stage's job leads to the next, the last writes the
 * run's result. W2's ten jobs are enqueued with their counter row in one transaction; each
 * decrements the row, and the one that brings it to zero enqueues the join in the same
 * transaction (pg-boss's `db` option).
 */
import pg from "pg";
import type { PgBoss } from "pg-boss";
import { connect, type Driver, type Target } from "../../frames.js";
import { CONCURRENCY } from "../../spec.js";
import { inTransaction, PEER_TABLES, peerRunTimes, RunClock, resultsReader } from "../common.js";
import { dbOver, newBoss } from "./boss.js";
import { fanJobs, firstChainJob, QUEUE } from "./jobs.js";

/** How a pg-boss setting runs the queue's jobs. */
export interface PgBossSetting {
  /**
   * Registers the setting's `work()` workers on a started instance (a pool of concurrency + 2
   * connections). `pool` (concurrency connections) is for the bench's own tables; first stages
   * tell `clock` their run started, last stages write its times with the result.
   */
  work(boss: PgBoss, pool: pg.Pool, clock: RunClock): Promise<void>;
}

/** A driver for pg-boss on `target`, whose worker is `setting`'s. */
export function pgBossDriver(
  target: Target & { kind: "postgres" },
  shape: "chain" | "fanout",
  setting: PgBossSetting,
): Driver {
  const clock = new RunClock();
  const enqueue = async (b: PgBoss, pool: pg.Pool, i: number) => {
    clock.created(i);
    if (shape === "chain") {
      await b.send(QUEUE, firstChainJob(i));
      return;
    }
    const client = await pool.connect();
    try {
      await inTransaction(client, async (tx) => {
        await tx.query("INSERT INTO bench_join (run_id, remaining, total) VALUES ($1, 10, 0)", [i]);
        await b.insert(
          QUEUE,
          fanJobs(i).map((data) => ({ data })),
          { db: dbOver(tx) },
        );
      });
    } finally {
      client.release();
    }
  };

  return {
    async setup() {
      const b = newBoss(target.url);
      await b.start(); // creates the schema
      // `notify`: sending a job to the queue NOTIFYs its workers (with `useListenNotify`).
      await b.createQueue(QUEUE, { notify: true });
      await b.stop({ graceful: false });
      const client = await connect(target.url);
      await client.query(PEER_TABLES);
      await client.end();
    },

    async openEnqueuer() {
      const b = newBoss(target.url, {
        supervise: false,
        migrate: false,
        useListenNotify: false, // it sends (and NOTIFYs); it does not listen
        max: CONCURRENCY,
      });
      await b.start();
      const pool = new pg.Pool({ connectionString: target.url, max: CONCURRENCY });
      return {
        enqueue: (i) => enqueue(b, pool, i),
        close: async () => {
          await b.stop({ graceful: false });
          await pool.end();
        },
      };
    },

    async startWorker() {
      const b = newBoss(target.url, { max: CONCURRENCY + 2 });
      const pool = new pg.Pool({ connectionString: target.url, max: CONCURRENCY });
      await b.start();
      await setting.work(b, pool, clock);
      return {
        stop: async () => {
          await b.stop({ graceful: true, timeout: 5_000 });
          await pool.end();
        },
      };
    },

    async openProbe() {
      return resultsReader(await connect(target.url));
    },

    runTimes: () => peerRunTimes(target.url),

    async openCaller() {
      const b = newBoss(target.url, {
        supervise: false,
        migrate: false,
        useListenNotify: false,
        max: 2,
      });
      await b.start();
      const pool = new pg.Pool({ connectionString: target.url, max: 2 });
      const reader = resultsReader(await connect(target.url));
      return {
        create: async (i) => {
          await enqueue(b, pool, i);
          return String(i);
        },
        isCompleted: (id) => reader.isCompleted(Number(id)),
        close: async () => {
          await reader.close();
          await b.stop({ graceful: false });
          await pool.end();
        },
      };
    },
  };
}
