/**
 * graphile-worker 0.18.0, configured as its performance page recommends: `concurrentJobs` 10,
 * `maxPoolSize` concurrency + 2, a local queue of concurrency + 1 jobs (batched fetches) and
 * batched completions (`completeJobBatchDelay: 0`, `failJobBatchDelay: 0`); LISTEN/NOTIFY for new
 * jobs (built in), prepared statements (default).
 *
 * A run is a chain of jobs: each stage's task enqueues the next (`helpers.addJob`), the last
 * writes the run's result. W2's ten jobs decrement a counter row; the tenth enqueues the join
 * in the same transaction (`graphile_worker.add_job` in SQL).
 */
import { Logger, makeWorkerUtils, run, type Task, type WorkerUtils } from "graphile-worker";
import { connect, type Driver, type Target } from "../frames.js";
import { CONCURRENCY } from "../spec.js";
import {
  type ChainJob,
  countDown,
  type FanJob,
  insertResult,
  inTransaction,
  type JoinJob,
  PEER_TABLES,
  peerRunTimes,
  RunClock,
  resultsReader,
} from "./common.js";

const logger = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") console.error(`[graphile-worker] ${message}`);
});

export function graphileDriver(
  target: Target & { kind: "postgres" },
  shape: "chain" | "fanout",
): Driver {
  const utils = () => makeWorkerUtils({ connectionString: target.url, logger });
  const clock = new RunClock();

  const enqueue = async (u: WorkerUtils, i: number) => {
    clock.created(i);
    if (shape === "chain") {
      await u.addJob("chain", { run: i, stage: 1, n: i } satisfies ChainJob);
      return;
    }
    await u.withPgClient((client) =>
      inTransaction(client, async (tx) => {
        await tx.query("INSERT INTO bench_join (run_id, remaining, total) VALUES ($1, 10, 0)", [i]);
        await tx.query(
          "SELECT graphile_worker.add_job('fan', json_build_object('run', $1::bigint, 'i', g, 'n', $1::bigint)) FROM generate_series(0, 9) g",
          [i],
        );
      }),
    );
  };

  const chain: Task = async (payload, helpers) => {
    const job = payload as ChainJob;
    if (job.stage === 1) clock.started(job.run);
    if (job.stage < 3)
      await helpers.addJob("chain", { run: job.run, stage: job.stage + 1, n: job.n + 1 });
    else await helpers.withPgClient((client) => insertResult(client, clock, job.run, job.n + 1));
  };
  const fan: Task = async (payload, helpers) => {
    const job = payload as FanJob;
    clock.started(job.run);
    await helpers.withPgClient((client) =>
      inTransaction(client, async (tx) => {
        const total = await countDown(tx, job.run, job.n + 1);
        if (total !== undefined)
          await tx.query("SELECT graphile_worker.add_job('join', $1::json)", [
            JSON.stringify({ run: job.run, n: total } satisfies JoinJob),
          ]);
      }),
    );
  };
  const join: Task = async (payload, helpers) => {
    const job = payload as JoinJob;
    await helpers.withPgClient((client) => insertResult(client, clock, job.run, job.n));
  };

  return {
    async setup() {
      const u = await utils();
      await u.migrate();
      await u.withPgClient((client) => client.query(PEER_TABLES));
      await u.release();
    },

    async openEnqueuer() {
      const u = await utils();
      return {
        enqueue: (i) => enqueue(u, i),
        close: async () => {
          await u.release();
        },
      };
    },

    async startWorker() {
      const runner = await run({
        noHandleSignals: true,
        logger,
        taskList: { chain, fan, join },
        preset: {
          worker: {
            connectionString: target.url,
            concurrentJobs: CONCURRENCY,
            maxPoolSize: CONCURRENCY + 2,
            localQueue: { size: CONCURRENCY + 1 },
            completeJobBatchDelay: 0,
            failJobBatchDelay: 0,
          },
        },
      });
      return { stop: () => runner.stop() };
    },

    async openProbe() {
      return resultsReader(await connect(target.url));
    },

    runTimes: () => peerRunTimes(target.url),

    async openCaller() {
      const u = await utils();
      const reader = resultsReader(await connect(target.url));
      return {
        create: async (i) => {
          await enqueue(u, i);
          return String(i);
        },
        isCompleted: (id) => reader.isCompleted(Number(id)),
        close: async () => {
          await reader.close();
          await u.release();
        },
      };
    },
  };
}
