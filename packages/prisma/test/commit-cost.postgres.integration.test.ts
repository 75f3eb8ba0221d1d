/**
 * Measures what a stage costs PostgreSQL on the common path: commits (the server's own
 * `pg_stat_database.xact_commit` delta) and statements (counted at the client). The figures
 * are printed and recorded in docs/persistence.md; the assertions only guard against a
 * regression far beyond the budget (speed targets live in the benchmarks).
 */
import {
  createKernel,
  createRegistry,
  defineStage,
  defineWorkflow,
  type JobExecuteResult,
  type Kernel,
} from "@ratchet/kernel";
import { CollectingEventSink, FakeClock } from "@ratchet/kernel/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createPostgresStack } from "../src/index.js";
import { createPostgresDatabase, type TestDatabase } from "../src/testing/index.js";
import { TABLES } from "./support/stacks.js";

const step = (id: string) =>
  defineStage({
    id,
    name: id,
    schemas: { input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) },
    execute: (ctx) => ({ n: ctx.input.n + 1 }),
  });
const chain = defineWorkflow({
  id: "chain",
  name: "Chain",
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
})
  .pipe(step("a"))
  .pipe(step("b"))
  .pipe(step("c"))
  .build();

async function commits(url: string, name: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT xact_commit FROM pg_stat_database WHERE datname = $1",
      [name],
    );
    return Number(rows[0]?.xact_commit);
  } finally {
    await client.end();
  }
}

describe("commit cost on PostgreSQL", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase("commit_cost");
  });
  afterAll(async () => {
    await db.drop();
  });

  async function measure(db: TestDatabase, continueWith: number): Promise<number> {
    const RUNS = 30;
    const stack = await createPostgresStack({ url: db.url });
    const clock = new FakeClock();
    const kernel: Kernel = createKernel({
      ...stack,
      eventSink: new CollectingEventSink(),
      clock,
      registry: createRegistry([chain]),
    });
    for (let i = 0; i < RUNS; i++)
      await kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n: i } });
    // Autovacuum's ANALYZE runs would count as commits of this database too.
    for (const table of TABLES)
      await stack.prisma.$executeRawUnsafe(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    await stack.close(); // Ending the backends flushes their statistics.

    const counts = { autocommit: 0, inTransaction: 0, transactions: 0 };
    const POOL = 4;
    const measured = await createPostgresStack({
      url: db.url,
      migrate: false,
      poolSize: POOL,
      // The database clock samples the server's time when the stack starts (three autocommit
      // SELECTs, not per stage); the server may flush their statistics into the measured window.
      clock: "system",
      onStatement: (sql, inTransaction) => {
        if (sql === "BEGIN") counts.transactions++;
        else if (sql === "COMMIT" || sql === "ROLLBACK") return;
        else if (inTransaction) counts.inTransaction++;
        else counts.autocommit++;
      },
    });
    const worker = createKernel({
      ...measured,
      eventSink: new CollectingEventSink(),
      clock,
      registry: createRegistry([chain]),
    });
    // Open the pool's connections first: a new backend commits one transaction while starting.
    await Promise.all([
      measured.persistence.getRun("warm-up"),
      measured.persistence.withTransaction((tx) => tx.getRun("warm-up")),
    ]);
    Object.assign(counts, { autocommit: 0, inTransaction: 0, transactions: 0 });
    // What reading the counter costs (its own connection's transactions), measured, not guessed.
    const probe = (await commits(db.url, db.name)) - (await commits(db.url, db.name));
    const before = await commits(db.url, db.name);
    let stages = 0;
    for (let round = 0; round < 100; round++) {
      await worker.dispatch({ type: "run.claimPending", workerId: "w", maxClaims: RUNS });
      const jobs = await measured.jobTransport.dequeue({
        workerId: "w",
        limit: 10,
        leaseMs: 30_000,
        now: clock.now(),
      });
      if (jobs.length === 0) break;
      for (const first of jobs) {
        // With continueWith, each stage hands back the run's next stage, already leased.
        let job: typeof first | undefined = first;
        while (job) {
          const result: JobExecuteResult = await worker.dispatch({
            type: "job.execute",
            workerId: "w",
            job,
            continueWith,
          });
          expect(result).toMatchObject({ outcome: "completed" });
          stages++;
          job = result.outcome === "completed" ? result.next?.[0] : undefined;
        }
      }
    }
    await measured.close();
    const committed = (await commits(db.url, db.name)) - before + probe;
    expect(stages).toBe(RUNS * 3);
    const perStage = committed / stages;
    const statements = counts.autocommit + counts.inTransaction;
    console.log(
      `[commit-cost] continueWith=${continueWith}: ${RUNS} runs, ${stages} stages: ${committed} commits (${perStage.toFixed(2)}/stage: ` +
        `${(counts.transactions / stages).toFixed(2)} transactions + ${(counts.autocommit / stages).toFixed(2)} single statements), ` +
        `${statements} statements (${(statements / stages).toFixed(2)}/stage)`,
    );
    // The server's count agrees with the client's: every commit is one we sent, plus at most
    // one per pooled connection (a backend commits a transaction while it starts up).
    const ours = counts.transactions + counts.autocommit;
    expect(committed).toBeGreaterThanOrEqual(ours);
    expect(committed).toBeLessThanOrEqual(ours + POOL);
    return perStage;
  }

  it("measures the commits and statements a stage costs when every stage is dequeued", async () => {
    // One statement per completion, plus batched dequeues (with snapshots: no reads) and
    // claims; the guard sits above the measured 1.24. The budget lives in the benchmarks.
    expect(await measure(db, 0)).toBeLessThanOrEqual(1.5);
  });

  it("measures them when a worker continues each run locally (continueWith: 1)", async () => {
    const continued = await createPostgresDatabase("commit_cost_continued");
    try {
      // Measured 1.11: the completion statement alone, nearly.
      expect(await measure(continued, 1)).toBeLessThanOrEqual(1.25);
    } finally {
      await continued.drop();
    }
  });
});
