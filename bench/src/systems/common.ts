/**
 * What the job-queue peers share: their result and join tables, the clock of their runs, and
 * transactions on a pg client.
 */
import type pg from "pg";
import { connect, type RunTimes } from "../frames.js";

/**
 * Tables the peers' stages write: the run's result (written by its last stage; the caller and
 * the probe read it) with when the run was created, when its first stage started and when the
 * result was written (ms since the epoch, see {@link RunClock}), and, for W2, the join's counter
 * row.
 */
export const PEER_TABLES = `
  CREATE TABLE IF NOT EXISTS bench_results (
    run_id bigint PRIMARY KEY, n bigint NOT NULL,
    created_ms bigint, started_ms bigint, done_ms bigint
  );
  CREATE TABLE IF NOT EXISTS bench_join (run_id bigint PRIMARY KEY, remaining int NOT NULL, total bigint NOT NULL);
`;

/**
 * When each run was created and when its first stage started, as the bench process saw them
 * (the enqueuer and the worker run in the same process): a job queue has no run, so these are
 * the times a run's first job was sent and a first stage's handler was called. Kept in memory,
 * not in the jobs' payloads, so the peers' jobs and their WAL stay what they were; the last
 * stage writes them to the run's result row, with the time it wrote it.
 */
export class RunClock {
  readonly #created = new Map<number, number>();
  readonly #started = new Map<number, number>();

  /** Run `run` is being created (its first jobs are about to be sent). */
  created(run: number): void {
    this.#created.set(run, Date.now());
  }

  /** A first stage of `run` starts (the earliest one counts). */
  started(run: number): void {
    if (!this.#started.has(run)) this.#started.set(run, Date.now());
  }

  /** The timing columns of `run`'s result row, written now. */
  row(run: number): { created: number | null; started: number | null; done: number } {
    return {
      created: this.#created.get(run) ?? null,
      started: this.#started.get(run) ?? null,
      done: Date.now(),
    };
  }
}

/** Writes one run's result to `bench_results`, with its times. */
export async function insertResult(
  client: pg.Pool | pg.ClientBase,
  clock: RunClock,
  run: number,
  n: number,
): Promise<void> {
  const { created, started, done } = clock.row(run);
  await client.query(
    "INSERT INTO bench_results (run_id, n, created_ms, started_ms, done_ms) VALUES ($1, $2, $3, $4, $5)",
    [run, n, created, started, done],
  );
}

/** Every run's times from `bench_results`, on a connection of its own (after the window). */
export async function peerRunTimes(url: string): Promise<RunTimes[]> {
  const client = await connect(url);
  const { rows } = await client.query<{
    created_ms: string | null;
    started_ms: string | null;
    done_ms: string | null;
  }>("SELECT created_ms, started_ms, done_ms FROM bench_results");
  await client.end();
  return rows.map((r) => ({
    createdMs: r.created_ms === null ? Number.NaN : Number(r.created_ms),
    startedMs: r.started_ms === null ? Number.NaN : Number(r.started_ms),
    doneMs: r.done_ms === null ? Number.NaN : Number(r.done_ms),
  }));
}

/** Runs `fn` in a transaction on `client`. */
export async function inTransaction<T>(
  client: pg.ClientBase,
  fn: (client: pg.ClientBase) => Promise<T>,
): Promise<T> {
  await client.query("BEGIN");
  try {
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/**
 * One parallel stage of W2 finished with `n`: decrement the run's counter and add `n` to its
 * total; returns the total when this was the last of the ten (the caller then enqueues the join
 * in the same transaction), else undefined.
 */
export async function countDown(
  client: pg.ClientBase,
  run: number,
  n: number,
): Promise<number | undefined> {
  const { rows } = await client.query<{ remaining: number; total: string }>(
    "UPDATE bench_join SET remaining = remaining - 1, total = total + $2 WHERE run_id = $1 RETURNING remaining, total",
    [run, n],
  );
  const row = rows[0];
  if (!row) throw new Error(`no join row for run ${run}`);
  return row.remaining === 0 ? Number(row.total) : undefined;
}

/**
 * Several W2 parallel stages finished, in one statement: for each `{ run, n }`, decrement that
 * run's counter and add `n` to its total (a run may appear more than once). Returns the totals
 * of the runs this brought to zero; the caller enqueues their joins in the same transaction.
 */
export async function countDownAll(
  client: pg.ClientBase,
  stages: readonly { run: number; n: number }[],
): Promise<Map<number, number>> {
  const { rows } = await client.query<{ run_id: string; remaining: number; total: string }>(
    `UPDATE bench_join j SET remaining = j.remaining - d.stages, total = j.total + d.sum
       FROM (SELECT run, count(*)::int AS stages, sum(n) AS sum
               FROM unnest($1::bigint[], $2::bigint[]) AS s(run, n) GROUP BY run) d
      WHERE j.run_id = d.run
      RETURNING j.run_id, j.remaining, j.total`,
    [stages.map((s) => s.run), stages.map((s) => s.n)],
  );
  const runs = new Set(stages.map((s) => s.run));
  if (rows.length !== runs.size) {
    const found = new Set(rows.map((r) => Number(r.run_id)));
    throw new Error(`no join row for runs ${[...runs].filter((r) => !found.has(r)).join(", ")}`);
  }
  const done = new Map<number, number>();
  for (const row of rows) if (row.remaining === 0) done.set(Number(row.run_id), Number(row.total));
  return done;
}

/** Writes several runs' results to `bench_results` in one statement, with their times. */
export async function insertResults(
  client: pg.Pool | pg.ClientBase,
  clock: RunClock,
  results: readonly { run: number; n: number }[],
): Promise<void> {
  const rows = results.map((r) => ({ ...r, ...clock.row(r.run) }));
  await client.query(
    `INSERT INTO bench_results (run_id, n, created_ms, started_ms, done_ms)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])`,
    [
      rows.map((r) => r.run),
      rows.map((r) => r.n),
      rows.map((r) => r.created),
      rows.map((r) => r.started),
      rows.map((r) => r.done),
    ],
  );
}

/** A probe/caller over `bench_results` on its own connection. */
export function resultsReader(client: pg.Client) {
  return {
    completed: async () => {
      const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM bench_results");
      return Number(rows[0]?.n);
    },
    isCompleted: async (run: number) => {
      const { rows } = await client.query("SELECT 1 FROM bench_results WHERE run_id = $1", [run]);
      return rows.length > 0;
    },
    close: () => client.end(),
  };
}

/** Payloads. */
export interface ChainJob {
  run: number;
  stage: number;
  n: number;
}
export interface FanJob {
  run: number;
  i: number;
  n: number;
}
export interface JoinJob {
  run: number;
  n: number;
}
