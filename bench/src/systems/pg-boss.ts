/**
 * pg-boss 10.4.2 (the newest release that supports Node 20). pg-boss 10 has no LISTEN/NOTIFY: a
 * worker polls every `pollingIntervalSeconds` (at least 0.5 s) and, once a fetch returned
 * jobs, still waits out the rest of the interval. Configured for speed: ten workers of
 * `batchSize` 1 (concurrency 10) at the minimum interval, and each worker calls the documented
 * `notifyWorker(itsId)` after a job, so it fetches again at once while there is work; a pool of
 * concurrency + 2 connections; no cron scheduling.
 *
 * A run is a chain of jobs on one queue: each stage's handler sends the next, the last writes
 * the run's result. W2's ten jobs decrement a counter row; the tenth inserts the join job in the
 * same transaction (pg-boss's `db` option).
 */
import pg from "pg";
import PgBoss from "pg-boss";
import { connect, type Driver, type Target } from "../frames.js";
import { CONCURRENCY } from "../spec.js";
import {
  type ChainJob,
  countDown,
  type FanJob,
  inTransaction,
  type JoinJob,
  PEER_TABLES,
  resultsReader,
} from "./common.js";

const QUEUE = "bench";

type BenchJob =
  | ({ kind: "chain" } & ChainJob)
  | ({ kind: "fan" } & FanJob)
  | ({ kind: "join" } & JoinJob);

/** pg-boss's `db` option over a client inside our transaction. */
const dbOver = (client: pg.ClientBase) => ({
  executeSql: async (text: string, values: unknown[]) => client.query(text, values),
});

export function pgBossDriver(
  target: Target & { kind: "postgres" },
  shape: "chain" | "fanout",
): Driver {
  const boss = (options: Partial<PgBoss.ConstructorOptions> = {}) => {
    const instance = new PgBoss({
      connectionString: target.url,
      schedule: false,
      ...options,
    });
    instance.on("error", (error) => console.error("[pg-boss]", error));
    return instance;
  };

  const enqueue = async (b: PgBoss, pool: pg.Pool, i: number) => {
    if (shape === "chain") {
      await b.send(QUEUE, { kind: "chain", run: i, stage: 1, n: i } satisfies BenchJob);
      return;
    }
    const client = await pool.connect();
    try {
      await inTransaction(client, async (tx) => {
        await tx.query("INSERT INTO bench_join (run_id, remaining, total) VALUES ($1, 10, 0)", [i]);
        await b.insert(
          Array.from({ length: 10 }, (_, k) => ({
            name: QUEUE,
            data: { kind: "fan", run: i, i: k, n: i } satisfies BenchJob,
          })),
          { db: dbOver(tx) },
        );
      });
    } finally {
      client.release();
    }
  };

  return {
    async setup() {
      const b = boss();
      await b.start(); // creates the schema
      await b.createQueue(QUEUE);
      await b.stop({ graceful: false, wait: true });
      const client = await connect(target.url);
      await client.query(PEER_TABLES);
      await client.end();
    },

    async openEnqueuer() {
      const b = boss({ supervise: false, migrate: false, max: CONCURRENCY });
      await b.start();
      const pool = new pg.Pool({ connectionString: target.url, max: CONCURRENCY });
      return {
        enqueue: (i) => enqueue(b, pool, i),
        close: async () => {
          await b.stop({ graceful: false, wait: true });
          await pool.end();
        },
      };
    },

    async startWorker() {
      const b = boss({ max: CONCURRENCY + 2 });
      const pool = new pg.Pool({ connectionString: target.url, max: CONCURRENCY });
      await b.start();
      const handle = async (job: BenchJob) => {
        switch (job.kind) {
          case "chain":
            if (job.stage < 3)
              await b.send(QUEUE, {
                kind: "chain",
                run: job.run,
                stage: job.stage + 1,
                n: job.n + 1,
              } satisfies BenchJob);
            else
              await pool.query("INSERT INTO bench_results (run_id, n) VALUES ($1, $2)", [
                job.run,
                job.n + 1,
              ]);
            return;
          case "fan": {
            const client = await pool.connect();
            try {
              await inTransaction(client, async (tx) => {
                const total = await countDown(tx, job.run, job.n + 1);
                if (total !== undefined)
                  await b.send(QUEUE, { kind: "join", run: job.run, n: total } satisfies BenchJob, {
                    db: dbOver(tx),
                  });
              });
            } finally {
              client.release();
            }
            return;
          }
          case "join":
            await pool.query("INSERT INTO bench_results (run_id, n) VALUES ($1, $2)", [
              job.run,
              job.n,
            ]);
            return;
        }
      };
      for (let w = 0; w < CONCURRENCY; w++) {
        let id: string | undefined;
        id = await b.work<BenchJob>(
          QUEUE,
          { batchSize: 1, pollingIntervalSeconds: 0.5 },
          async (jobs) => {
            for (const job of jobs) await handle(job.data);
            // There was work: fetch again now rather than after the polling interval.
            if (id && jobs.length > 0) b.notifyWorker(id);
          },
        );
      }
      return {
        stop: async () => {
          await b.stop({ graceful: true, wait: true, timeout: 5_000 });
          await pool.end();
        },
      };
    },

    async openProbe() {
      return resultsReader(await connect(target.url));
    },

    async openCaller() {
      const b = boss({ supervise: false, migrate: false, max: 2 });
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
          await b.stop({ graceful: false, wait: true });
          await pool.end();
        },
      };
    },
  };
}
