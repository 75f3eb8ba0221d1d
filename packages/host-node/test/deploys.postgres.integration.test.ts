/**
 * Rolling deploys on the real PostgreSQL server, with real worker processes: workers of the
 * old version stop gracefully while runs are in flight and workers of a changed graph take
 * over. Every run must finish on the version it started on (or, after an explicit migration,
 * on the new one) — none fails, none is touched by a worker that lacks its definition.
 * The take-over test needs 300 runs (with fewer, the v1 workers finish them all while the v2
 * workers start, and nothing is left in flight); the migration test stops the v1 workers at
 * once, so 100 runs leave plenty waiting (300 with `RATCHET_LONG=1`).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { createKernel, createRegistry, type Kernel, systemClock } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack, type PrismaStack } from "@ratchet/prisma";
import type { TestDatabase } from "@ratchet/prisma/testing";
import { afterAll, describe, expect, it } from "vitest";
import { migratedPostgresDatabase } from "./support/databases.js";
import { DEPLOY_LEDGER_DDL, deployWorkflows } from "./support/deploy-workload.js";
import { startWorker, type Worker } from "./support/processes.js";

const RUNS = 300;
const MIGRATE_RUNS = process.env.RATCHET_LONG === "1" ? 300 : 100;
const ENTRY = "deploy-worker-entry.ts";

interface Env {
  db: TestDatabase;
  stack: PrismaStack;
}

async function openEnv(label: string): Promise<Env> {
  const db = await migratedPostgresDatabase(label);
  const stack = await createPostgresStack({ url: db.url });
  await stack.prisma.$executeRawUnsafe(DEPLOY_LEDGER_DDL);
  return { db, stack };
}

function kernelOf(stack: PrismaStack, versions: string): Kernel {
  return createKernel({
    ...stack,
    eventSink: new CollectingEventSink(),
    clock: systemClock,
    registry: createRegistry(deployWorkflows(versions)),
  });
}

async function createRuns(kernel: Kernel, n: number, from = 0): Promise<string[]> {
  const ids: string[] = [];
  for (let i = from; i < from + n; i++) {
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "deploy-order",
      input: { n: i, trail: [] },
    });
    ids.push(workflowRunId);
  }
  return ids;
}

const workersOf = (env: Env, versions: string, n: number, tag: string): Promise<Worker[]> =>
  Promise.all(
    Array.from({ length: n }, (_, i) =>
      startWorker(
        {
          RATCHET_DATABASE: env.db.url,
          RATCHET_DEPLOY_VERSIONS: versions,
          RATCHET_WORKER_ID: `${tag}-${i}`,
        },
        ENTRY,
      ),
    ),
  );

/** Stops workers gracefully (SIGTERM: in-flight stages finish, held jobs are given back). */
async function stopGracefully(workers: readonly Worker[]): Promise<void> {
  for (const worker of workers) worker.child.kill("SIGTERM");
  const codes = await Promise.all(workers.map((worker) => worker.exited));
  for (const [i, code] of codes.entries())
    expect(code, `worker exited ${code}:\n${workers[i]?.output()}`).toBe(0);
}

async function statusCounts(stack: PrismaStack): Promise<Record<string, number>> {
  const rows = await stack.prisma.$queryRawUnsafe<{ status: string; n: bigint }[]>(
    "SELECT status, COUNT(*) AS n FROM ratchet_runs GROUP BY status",
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Stage executions of a run that ran more than once (from the ledger). */
async function executedTwice(stack: PrismaStack): Promise<unknown[]> {
  return stack.prisma.$queryRawUnsafe(
    "SELECT run_id, stage_id, COUNT(*) AS n FROM deploy_ledger GROUP BY run_id, stage_id HAVING COUNT(*) > 1",
  );
}

interface RunRow {
  id: string;
  status: string;
  workflow_version: string;
  output: string | null;
}

async function runRows(stack: PrismaStack): Promise<Map<string, RunRow>> {
  const rows = await stack.prisma.$queryRawUnsafe<RunRow[]>(
    "SELECT id, status, workflow_version, output FROM ratchet_runs",
  );
  return new Map(rows.map((row) => [row.id, row]));
}

const trailOf = (row: RunRow | undefined): string[] =>
  row?.output ? (JSON.parse(row.output) as { trail: string[] }).trail : [];

describe("rolling deploys (PostgreSQL, real worker processes)", () => {
  const envs: Env[] = [];
  const workers: Worker[] = [];
  /** A fresh database with `runs` version-1 runs, two v1 workers on it, a fifth of them done. */
  async function runningOnV1(label: string, runs: number) {
    const env = await openEnv(label);
    envs.push(env);
    const old = await createRuns(kernelOf(env.stack, "1"), runs);
    const v1 = await workersOf(env, "1", 2, "v1");
    workers.push(...v1);
    await waitFor(
      `${runs / 5} runs done on v1`,
      async () => ((await statusCounts(env.stack)).COMPLETED ?? 0) >= runs / 5,
    );
    return { env, old, v1 };
  }

  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
    for (const env of envs) {
      await env.stack.close();
      await env.db.drop();
    }
  });

  it(`v2 workers that register v1 and v2 take over ${RUNS} runs in flight: each finishes on the version it started with`, async () => {
    const { env, old, v1 } = await runningOnV1("deploy-side-by-side", RUNS);
    const v2 = await workersOf(env, "1,2", 2, "v12");
    workers.push(...v2);
    // New runs from now on start on the newest version.
    const fresh = await createRuns(kernelOf(env.stack, "1,2"), 20, RUNS);
    const inFlight = RUNS - ((await statusCounts(env.stack)).COMPLETED ?? 0);
    await stopGracefully(v1);
    expect(inFlight).toBeGreaterThan(0);
    await waitFor(
      "every run done",
      async () => ((await statusCounts(env.stack)).COMPLETED ?? 0) === RUNS + 20,
    );
    await stopGracefully(v2);

    expect(await statusCounts(env.stack)).toEqual({ COMPLETED: RUNS + 20 });
    const rows = await runRows(env.stack);
    for (const id of old) {
      expect(rows.get(id)?.workflow_version).toBe("1");
      expect(trailOf(rows.get(id))).toEqual(["1:a", "1:b", "1:c"]);
    }
    for (const id of fresh) {
      expect(rows.get(id)?.workflow_version).toBe("2");
      expect(trailOf(rows.get(id))).toEqual(["2:a", "2:b2", "2:x", "2:c"]);
    }
    expect(await executedTwice(env.stack)).toEqual([]);
  }, 300_000);

  it(`v2-only workers leave v1 runs waiting, untouched; a dry run lists them, a migration moves them and they finish (${MIGRATE_RUNS} runs)`, async () => {
    const { env, old, v1 } = await runningOnV1("deploy-migrate", MIGRATE_RUNS);
    await stopGracefully(v1);
    const v2 = await workersOf(env, "2", 2, "v2");
    workers.push(...v2);

    // What the v1 runs look like while only v2 workers are up: nothing may change.
    const snapshot = () =>
      env.stack.prisma.$queryRawUnsafe<unknown[]>(
        `SELECT r.id, r.status, r.version, r.updated_at, r.workflow_version,
           (SELECT json_agg(json_build_object('job', j.job_id, 'status', j.status, 'attempt', j.attempt, 'lockedBy', j.locked_by, 'updatedAt', j.updated_at) ORDER BY j.seq)
              FROM ratchet_jobs j WHERE j.run_id = r.id) AS jobs
         FROM ratchet_runs r WHERE r.status <> 'COMPLETED' ORDER BY r.id`,
      );
    const before = await snapshot();
    expect(before.length).toBeGreaterThan(0);
    await sleep(3_000);
    expect(await snapshot()).toEqual(before);
    expect((await statusCounts(env.stack)).FAILED).toBeUndefined();

    const migrator = kernelOf(env.stack, "2");
    const waiting = (before as { id: string }[]).map((row) => row.id);
    for (const workflowRunId of waiting) {
      const planned = await migrator.dispatch({ type: "run.migrate", workflowRunId, dryRun: true });
      expect(planned, JSON.stringify(planned)).toMatchObject({ outcome: "planned" });
    }
    expect(await snapshot()).toEqual(before);
    for (const workflowRunId of waiting) {
      const moved = await migrator.dispatch({ type: "run.migrate", workflowRunId });
      expect(moved, JSON.stringify(moved)).toMatchObject({ outcome: "migrated" });
    }
    await waitFor(
      "every run done",
      async () => ((await statusCounts(env.stack)).COMPLETED ?? 0) === MIGRATE_RUNS,
    );
    await stopGracefully(v2);

    expect(await statusCounts(env.stack)).toEqual({ COMPLETED: MIGRATE_RUNS });
    const rows = await runRows(env.stack);
    const moved = new Set(waiting);
    for (const id of old) {
      const row = rows.get(id);
      const trail = trailOf(row);
      if (!moved.has(id)) {
        expect(row?.workflow_version).toBe("1");
        expect(trail).toEqual(["1:a", "1:b", "1:c"]);
        continue;
      }
      expect(row?.workflow_version).toBe("2");
      // The stages v1 completed are carried over; the rest ran on v2, ending with its c.
      expect(trail[trail.length - 1]).toBe("2:c");
      expect(
        trail.filter((step) => step.startsWith("1:")).every((s) => ["1:a", "1:b"].includes(s)),
      ).toBe(true);
    }
    expect(await executedTwice(env.stack)).toEqual([]);
  }, 300_000);
});
