/**
 * Compensation survives a worker's death, on the real PostgreSQL server with three worker
 * processes: runs of a saga of five stages whose fourth fails compensate s3, s2, s1 — and one
 * worker is SIGKILLed while it runs a compensation. Every run ends COMPENSATED; each
 * compensation's stage record commits exactly once (a trigger counts the commits inside the
 * committing transactions), in the order s3, s2, s1 (each starts only after the one before
 * committed); a compensation runs again only when the worker that ran it was the one killed.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { createKernel, createRegistry } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack, type PrismaStack } from "@ratchet/prisma";
import type { TestDatabase } from "@ratchet/prisma/testing";
import { afterAll, describe, expect, it } from "vitest";
import { CRASH_DDL } from "./support/crash-schema.js";
import { migratedPostgresDatabase } from "./support/databases.js";
import { startWorker, type Worker } from "./support/processes.js";
import { sagaWorkflow } from "./support/saga-workload.js";

const WORKERS = 3;
const RUNS = 12;
const ORDER = ["compensate:s3", "compensate:s2", "compensate:s1"];

const dbs: TestDatabase[] = [];
const stacks: PrismaStack[] = [];
const workers: Worker[] = [];

afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
  for (const stack of stacks) await stack.close();
  for (const db of dbs) await db.drop();
});

interface LedgerRow {
  run_id: string;
  stage_id: string;
  attempt: number;
  worker: string;
  at: Date;
}

describe("compensation on PostgreSQL, three worker processes", () => {
  it("a saga of 5 whose 4th fails compensates 3, 2, 1 once each, a worker SIGKILLed meanwhile", {
    timeout: 120_000,
  }, async () => {
    const db = await migratedPostgresDatabase("saga_crash");
    dbs.push(db);
    const stack = await createPostgresStack({ url: db.url });
    stacks.push(stack);
    for (const statement of CRASH_DDL) await stack.prisma.$executeRawUnsafe(statement);
    const kernel = createKernel({
      ...stack,
      eventSink: new CollectingEventSink(),
      registry: createRegistry([sagaWorkflow]),
    });
    const runIds: string[] = [];
    for (let n = 0; n < RUNS; n++) {
      const { workflowRunId } = await kernel.dispatch({
        type: "run.create",
        workflowId: sagaWorkflow.id,
        input: { n },
      });
      runIds.push(workflowRunId);
    }
    const byId = new Map<string, Worker>();
    for (let i = 0; i < WORKERS; i++) {
      const id = `saga-${i}`;
      const worker = await startWorker(
        { RATCHET_DATABASE: db.url, RATCHET_WORKER_ID: id },
        "saga-worker-entry.ts",
      );
      byId.set(id, worker);
      workers.push(worker);
    }
    // Kill the worker that started the latest compensation, while it runs (each takes COMPENSATION_MS, 1.2 s).
    let victim: string | undefined;
    const killBy = Date.now() + 30_000;
    while (victim === undefined && Date.now() < killBy) {
      const [latest] = await stack.prisma.$queryRawUnsafe<LedgerRow[]>(
        "SELECT worker FROM crash_ledger ORDER BY at DESC LIMIT 1",
      );
      if (latest) {
        victim = latest.worker;
        byId.get(victim)?.child.kill("SIGKILL");
      } else await sleep(20);
    }
    expect(victim, "no compensation started within 30 s").toBeDefined();
    const killed = byId.get(victim as string) as Worker;
    expect((await killed.exit).signal).toBe("SIGKILL");

    const deadline = Date.now() + 60_000;
    let statuses: { status: string; n: bigint }[] = [];
    while (Date.now() < deadline) {
      statuses = await stack.prisma.$queryRawUnsafe(
        "SELECT status, COUNT(*) AS n FROM ratchet_runs GROUP BY status",
      );
      if (statuses.length === 1 && statuses[0]?.status === "COMPENSATED") break;
      await sleep(200);
    }
    for (const [id, worker] of byId) if (id !== victim) worker.child.kill("SIGTERM");
    for (const [id, worker] of byId) {
      if (id === victim) continue;
      expect(await worker.exited, `worker ${id} exited:\n${worker.output()}`).toBe(0);
      expect(worker.stderr(), `worker ${id} wrote to stderr`).toBe("");
    }
    expect(statuses.map((s) => [s.status, Number(s.n)])).toEqual([["COMPENSATED", RUNS]]);

    // Each compensation committed exactly once, and only the three of them.
    const commits = await stack.prisma.$queryRawUnsafe<
      { run_id: string; stage_id: string; n: bigint; at: Date }[]
    >(
      `SELECT run_id, stage_id, COUNT(*) AS n, MIN(at) AS at FROM crash_commits
       WHERE stage_id LIKE 'compensate:%' GROUP BY run_id, stage_id`,
    );
    expect(commits).toHaveLength(RUNS * 3);
    for (const row of commits) expect(Number(row.n), `${row.run_id} ${row.stage_id}`).toBe(1);
    const ledger = await stack.prisma.$queryRawUnsafe<LedgerRow[]>(
      "SELECT run_id, stage_id, attempt, worker, at FROM crash_ledger ORDER BY at",
    );
    for (const runId of runIds) {
      const committed = commits
        .filter((c) => c.run_id === runId)
        .sort((a, b) => a.at.getTime() - b.at.getTime())
        .map((c) => c.stage_id);
      expect(committed, `run ${runId}`).toEqual(ORDER);
      const mine = ledger.filter((r) => r.run_id === runId);
      // A compensation starts only after the one before it committed.
      for (let i = 1; i < ORDER.length; i++) {
        const before = commits.find((c) => c.run_id === runId && c.stage_id === ORDER[i - 1]);
        const firstRun = mine.find((r) => r.stage_id === ORDER[i]);
        expect(firstRun && before && firstRun.at >= before.at, `run ${runId} ${ORDER[i]}`).toBe(
          true,
        );
      }
      // Run more than once only after the worker that ran it was killed.
      for (const stageId of ORDER) {
        const runs = mine.filter((r) => r.stage_id === stageId);
        expect(runs.length, `${runId} ${stageId}`).toBeGreaterThanOrEqual(1);
        for (const earlier of runs.slice(0, -1)) expect(earlier.worker).toBe(victim);
      }
    }
    // The kill did land in the middle of a compensation that another worker then ran again.
    expect(
      ledger.some(
        (r, i) =>
          r.worker === victim &&
          ledger.slice(i + 1).some((l) => l.run_id === r.run_id && l.stage_id === r.stage_id),
      ),
    ).toBe(true);
  });
});
