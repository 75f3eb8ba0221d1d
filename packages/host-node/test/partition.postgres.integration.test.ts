/**
 * A network partition in the middle of a transaction (issue 14, item 6). Worker A reaches
 * PostgreSQL through the fault proxy; right after one of its transactions locked a run row
 * the proxy stops forwarding (sockets left open, as in a real partition). Worker B, connected
 * directly, must keep completing new runs: the server ends A's session once it has been idle in
 * its transaction for `idle_in_transaction_session_timeout`, which frees the row, and B's writes
 * that waited for it give up at `lock_timeout`. Then the partition heals, A reconnects and
 * works again, and nothing is lost or doubled.
 *
 * Without the session limits B stalls for as long as the partition lasts (the server keeps A's
 * transaction open: its socket is alive, only silent).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeValue } from "@ratchet/kernel";
import { createPostgresStack, type DatabaseStall, type PrismaStack } from "@ratchet/prisma";
import { type FaultProxy, startFaultProxy, type TestDatabase } from "@ratchet/prisma/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNodeHost, type NodeHost } from "../src/index.js";
import { migratedPostgresDatabase } from "./support/databases.js";
import { e2eKernel, readLedger, workload } from "./support/workload.js";

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The stacks' limits: short, so the test is quick; the defaults are ten times these. */
const LIMITS = {
  transactionTimeoutMs: 3_000,
  statementTimeoutMs: 3_000,
  lockTimeoutMs: 1_000,
  // idle_in_transaction_session_timeout: the transaction timeout (3 s).
} as const;
const IDLE_IN_TRANSACTION_MS = LIMITS.transactionTimeoutMs;
const LEASE_MS = 3_000;
const BEFORE = 6;
const NEW_RUNS = 20;
const AFTER = 5;
/**
 * How long the healthy worker may take for the new runs: the partitioned session ends after
 * `idle_in_transaction_session_timeout`, the partitioned worker's jobs come back after their
 * lease, and the runs themselves take a few seconds. The stall without the limits lasts as
 * long as the partition (the test heals it only after this bound).
 */
const STALL_BOUND_MS = IDLE_IN_TRANSACTION_MS + LEASE_MS + 10_000;

const HOST_TIMINGS = {
  orchestrationIntervalMs: 200,
  jobPollIntervalMs: 50,
  maxIdlePollIntervalMs: 200,
  leaseMs: LEASE_MS,
  staleLeaseThresholdMs: 0,
  stuckRunThresholdMs: 2_000,
  shutdownTimeoutMs: 5_000,
} as const;

/**
 * The statement that locks one run's row (`getRun(id, { forUpdate: true })`): here, stage
 * "b" reporting progress, a small transaction that then updates the stage and the run.
 */
const LOCKS_A_RUN = /FROM ratchet_runs WHERE id = \$1 FOR UPDATE$/;

interface Logged {
  warnings: string[];
  errors: string[];
}

function logger(into: Logged) {
  return {
    warn: (message: string, details?: unknown) => into.warnings.push(`${message} ${details ?? ""}`),
    error: (message: string, details?: unknown) => into.errors.push(`${message} ${details ?? ""}`),
  };
}

describe("a worker partitioned right after it locked a run row", () => {
  let database: TestDatabase;
  let proxy: FaultProxy;
  const stacks: PrismaStack[] = [];
  const hosts: NodeHost[] = [];

  beforeEach(async () => {
    database = await migratedPostgresDatabase("partition");
    proxy = await startFaultProxy(database.url);
  });
  afterEach(async () => {
    workload.reportProgress = false;
    workload.ledger = "";
    proxy?.set("forward");
    for (const host of hosts.splice(0)) await host.stop().catch(() => undefined);
    for (const stack of stacks.splice(0)) await stack.close().catch(() => undefined);
    await proxy?.close();
    await database?.drop();
  });

  for (const concurrency of [2, 8]) {
    it(`the healthy worker (concurrency ${concurrency}) completes ${NEW_RUNS} new runs within ${STALL_BOUND_MS} ms; after healing nothing is lost or doubled`, async () => {
      const main = await createPostgresStack({ url: database.url, clock: "system", ...LIMITS });
      stacks.push(main);
      const creator = e2eKernel(main);
      const create = async (n: number) =>
        (await creator.dispatch({ type: "run.create", workflowId: "e2e", input: { n } }))
          .workflowRunId;
      workload.ledger = join(tmpdir(), `ratchet-partition-ledger-${process.pid}.txt`);
      writeFileSync(workload.ledger, "");
      workload.slowStageMs = 20;
      workload.reportProgress = true;

      // Worker A, through the proxy. Armed, its next statement that locks a run row reaches the
      // server but its answer does not come back, and then nothing passes at all.
      const stallsA: DatabaseStall[] = [];
      const stallsB: DatabaseStall[] = [];
      let armed = false;
      let lockedWith: string | undefined;
      const stackA = await createPostgresStack({
        url: `${proxy.url}?application_name=partitioned`,
        clock: "system",
        migrate: false,
        ...LIMITS,
        onStall: (stall) => stallsA.push(stall),
        onStatement: (sql, inTransaction) => {
          if (!armed || lockedWith !== undefined || !inTransaction || !LOCKS_A_RUN.test(sql))
            return;
          lockedWith = sql;
          proxy.set({ mode: "half-open", stopped: "to-client" });
        },
      });
      stacks.push(stackA);
      const logA: Logged = { warnings: [], errors: [] };
      const hostA = createNodeHost({
        kernel: e2eKernel(stackA),
        jobTransport: stackA.jobTransport,
        wakeups: stackA.wakeups,
        workerId: "partitioned",
        concurrency: 2,
        logger: logger(logA),
        ...HOST_TIMINGS,
      });
      hosts.push(hostA);

      const runs: string[] = [];
      for (let i = 0; i < BEFORE; i++) runs.push(await create(i));
      await hostA.start();
      // A claims every run before the trap is armed, so the row it locks belongs to a run
      // it is working on (stage "b" reporting progress), not to a claim.
      await until(
        async () => (await count(main, "status = 'PENDING'")) === 0,
        "worker A to claim the runs",
        20_000,
      );
      armed = true;
      await until(async () => lockedWith !== undefined, "worker A to lock a run row", 20_000);
      // The server has run the locking statement and waits, idle in the transaction.
      await until(
        async () => (await idleInTransaction(main)) > 0,
        "worker A's locking transaction to sit idle on the server",
        5_000,
      );
      proxy.set("blackhole");
      const partitionedAt = Date.now();
      // How long the server keeps A's transaction, and its lock, after the partition.
      const lockHeld = until(
        async () => (await idleInTransaction(main)) === 0,
        "the server to end worker A's session",
        60_000,
      ).then(() => Date.now() - partitionedAt);

      // Worker B, directly, with new runs to do.
      const logB: Logged = { warnings: [], errors: [] };
      const stackB = await createPostgresStack({
        url: database.url,
        clock: "system",
        migrate: false,
        ...LIMITS,
        onStall: (stall) => stallsB.push(stall),
      });
      stacks.push(stackB);
      const hostB = createNodeHost({
        kernel: e2eKernel(stackB),
        jobTransport: stackB.jobTransport,
        wakeups: stackB.wakeups,
        workerId: "healthy",
        concurrency,
        logger: logger(logB),
        ...HOST_TIMINGS,
      });
      hosts.push(hostB);
      await hostB.start();
      const fresh: string[] = [];
      for (let i = 0; i < NEW_RUNS; i++) fresh.push(await create(100 + i));
      runs.push(...fresh);

      // Every run — the new ones, and A's, the locked one included — completes on B while the
      // partition lasts; the longest wait between two completions is B's stall.
      const progress = await watchCompletions(main, runs, partitionedAt, STALL_BOUND_MS + 10_000);
      const newDoneMs = Math.max(...fresh.map((id) => progress.doneAt.get(id) ?? Infinity));
      const allDoneMs = Math.max(...runs.map((id) => progress.doneAt.get(id) ?? Infinity));
      const report = `${progress.completed(fresh)}/${NEW_RUNS} new runs and ${progress.completed(runs)}/${runs.length} runs completed during the partition; longest wait between completions ${progress.longestGapMs} ms`;
      expect(newDoneMs, report).toBeLessThanOrEqual(STALL_BOUND_MS);
      expect(allDoneMs, report).toBeLessThanOrEqual(STALL_BOUND_MS);
      // The server ended A's session after idle_in_transaction_session_timeout: its lock went
      // with it.
      const lockHeldMs = await lockHeld;
      expect(lockHeldMs).toBeLessThanOrEqual(IDLE_IN_TRANSACTION_MS + 3_000);
      // A noticed during the partition: its locking transaction passed its deadline with the
      // statement in flight, and the connection was closed (reported once, saying what it ran).
      expect(stallsA, JSON.stringify(stallsA)).toContainEqual(
        expect.objectContaining({
          limit: "transaction deadline",
          operation: expect.stringMatching(/^SELECT id, workflow_id/),
          inTransaction: true,
          connectionClosed: true,
        }),
      );

      // Heal. A's stalled connections were closed by its deadlines; it reconnects and works
      // again: B stops, and only A is left for the last runs.
      proxy.set("forward");
      const healedAt = Date.now();
      const partitionMs = healedAt - partitionedAt;
      await hostB.stop();
      const last: string[] = [];
      for (let i = 0; i < AFTER; i++) last.push(await create(200 + i));
      runs.push(...last);
      hostA.wake();
      const after = await watchCompletions(main, last, healedAt, 30_000);
      const healMs = Math.max(...last.map((id) => after.doneAt.get(id) ?? Infinity));
      expect(
        healMs,
        `${after.completed(last)}/${AFTER} runs completed by A after healing`,
      ).toBeLessThan(30_000);
      expect(hostA.getStats().isRunning).toBe(true);
      await hostA.stop();

      // Nothing lost or doubled.
      const rows = await main.prisma.$queryRawUnsafe<
        Array<{ id: string; status: string; input: string; output: string | null }>
      >("SELECT id, status, input, output FROM ratchet_runs");
      expect(rows).toHaveLength(runs.length);
      for (const row of rows) {
        expect(row.status).toBe("COMPLETED");
        const { n } = decodeValue(JSON.parse(row.input)) as { n: number };
        expect(decodeValue(JSON.parse(row.output ?? "null"))).toEqual({ n: 2 * (n + 2) });
      }
      expect(await count(main, "TRUE", "ratchet_stages")).toBe(runs.length * 4);
      expect(await count(main, "status = 'COMPLETED'", "ratchet_stages")).toBe(runs.length * 4);
      const completions = await main.prisma.$queryRawUnsafe<Array<{ key: string; n: bigint }>>(
        `SELECT run_id || ' ' || (payload::jsonb ->> 'stageId') AS key, count(*) AS n
         FROM ratchet_outbox WHERE type = 'workflow.step.completed' GROUP BY 1`,
      );
      expect(completions).toHaveLength(runs.length * 4);
      expect(completions.filter((c) => Number(c.n) !== 1)).toEqual([]);
      const ledger = readLedger(readFileSync(workload.ledger, "utf8"));
      workload.ledger = "";
      workload.reportProgress = false;
      expect(new Set(ledger.map((e) => `${e.runId}:${e.stageId}`)).size).toBe(runs.length * 4);

      // Each stall was reported once: a closed connection is reported by one line only.
      const closed = stallsA.filter((s) => s.connectionClosed).map((s) => s.backendPid);
      expect(new Set(closed).size).toBe(closed.length);
      expect(stallsA.length).toBeGreaterThan(0);
      console.log(
        `[partition] B concurrency ${concurrency}: locked with ${oneLine(lockedWith)}; ` +
          `the server ended A's session ${lockHeldMs} ms after the partition; ` +
          `${NEW_RUNS} new runs done ${newDoneMs} ms and all ${runs.length - AFTER} runs ${allDoneMs} ms after the partition ` +
          `(longest wait between completions ${progress.longestGapMs} ms, bound ${STALL_BOUND_MS} ms); ` +
          `healed after ${partitionMs} ms; A did ${AFTER} runs ${healMs} ms after healing; ${ledger.length - runs.length * 4} re-executions; ` +
          `A reported ${stallsA.length} stalls (${summary(stallsA)}), B ${stallsB.length} (${summary(stallsB)}); ` +
          `A logged ${logA.warnings.length + logA.errors.length} lines, B ${logB.warnings.length + logB.errors.length}; ` +
          `A opened ${proxy.stats.accepted} connections through the proxy`,
      );
    }, 120_000);
  }
});

function oneLine(sql: string | undefined): string {
  return (sql ?? "").replace(/\s+/g, " ").slice(0, 80);
}

function summary(stalls: DatabaseStall[]): string {
  const counts = new Map<string, number>();
  for (const stall of stalls) counts.set(stall.limit, (counts.get(stall.limit) ?? 0) + 1);
  return [...counts].map(([limit, n]) => `${n}× ${limit}`).join(", ");
}

async function until(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(20);
  }
}

async function count(stack: PrismaStack, where: string, table = "ratchet_runs"): Promise<number> {
  const rows = await stack.prisma.$queryRawUnsafe<Array<{ n: bigint }>>(
    `SELECT count(*) AS n FROM ${table} WHERE ${where}`,
  );
  return Number(rows[0]?.n ?? 0);
}

/** Sessions of worker A sitting idle inside a transaction on the server. */
async function idleInTransaction(stack: PrismaStack): Promise<number> {
  const rows = await stack.prisma.$queryRawUnsafe<Array<{ n: bigint }>>(
    `SELECT count(*) AS n FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'partitioned'
       AND state = 'idle in transaction'`,
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Polls until every run of `ids` is COMPLETED or `timeoutMs` passed; returns when each was
 * first seen completed (ms after `since`) and the longest wait between two completions.
 */
async function watchCompletions(
  stack: PrismaStack,
  ids: string[],
  since: number,
  timeoutMs: number,
): Promise<{
  doneAt: Map<string, number>;
  longestGapMs: number;
  completed: (of: string[]) => number;
}> {
  const doneAt = new Map<string, number>();
  let last = 0;
  let longestGapMs = 0;
  while (doneAt.size < ids.length && Date.now() - since < timeoutMs) {
    const rows = await stack.prisma.$queryRawUnsafe<Array<{ id: string }>>(
      "SELECT id FROM ratchet_runs WHERE status = 'COMPLETED' AND id = ANY($1::text[])",
      ids,
    );
    const now = Date.now() - since;
    for (const { id } of rows) {
      if (doneAt.has(id)) continue;
      doneAt.set(id, now);
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
    }
    await pause(50);
  }
  return {
    doneAt,
    longestGapMs,
    completed: (of) => of.filter((id) => doneAt.has(id)).length,
  };
}
