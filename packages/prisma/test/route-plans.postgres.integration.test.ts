/**
 * Claims and dequeues naming routes stay index range scans however many rows of other routes
 * wait: with 20,000 pending runs and 20,000 pending jobs of 200 other workflows (all more
 * urgent than ours), the statements the adapters send read our rows only — through
 * `ratchet_runs_route_claim_idx` / `ratchet_jobs_route_dequeue_idx`, never a sequential scan —
 * in custom and in generic plans (the stack sends named prepared statements, which PostgreSQL
 * may switch to the generic plan after a few executions). Then the real calls take exactly our
 * rows and leave the others pending.
 */
import type { NewJob, NewRun } from "@ratchet/kernel";
import { routeKey } from "@ratchet/kernel/adapter";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresStack, type PrismaStack } from "../src/index.js";
import { dequeueStatement } from "../src/job-transport/dequeue.js";
import { claimRunsStatement } from "../src/persistence/run-claims.js";
import { postgresDialect } from "../src/sql/dialect.js";
import { createPostgresDatabase, type TestDatabase } from "../src/testing/index.js";
import {
  describePlan,
  explainAnalyze,
  type PlanMode,
  type PlanNode,
  planNodes,
} from "./support/explain.js";

/** The route key of workflow `id` at `version` with `fingerprint` (as the kernel computes it). */
const rk = (workflowId: string, workflowVersion: string, fingerprint: string) =>
  routeKey({ workflowId, workflowVersion, fingerprint });

const FOREIGN = 20_000;
const NOW = new Date("2026-01-01T12:00:00Z");
const VERSIONED = rk("mine", "2", "abc");
/** A run stored before versions: its route is its workflow id. */
const LEGACY = "mine";

let db: TestDatabase;
let stack: PrismaStack;
let client: pg.Client;
const ourRuns: NewRun[] = [];
const ourJobs: NewJob[] = [];

function ourRun(i: number, route: string): NewRun {
  const legacy = route === LEGACY;
  return {
    id: `mine-run-${i}`,
    workflowId: "mine",
    workflowVersion: legacy ? "" : "2",
    fingerprint: legacy ? "" : "abc",
    priority: 0,
    input: { i },
    config: {},
    metadata: {},
    idempotencyKey: null,
    eventSeq: 0,
    createdAt: new Date(NOW.getTime() - 1_000 + i),
  };
}

function ourJob(i: number, route: string): NewJob {
  return {
    jobId: `mine-job-${i}`,
    workflowRunId: `mine-run-${i}`,
    workflowId: "mine",
    route,
    stageId: "s",
    priority: 0,
    maxAttempts: 3,
    payload: {},
    availableAt: new Date(NOW.getTime() - 1_000 + i),
  };
}

beforeAll(async () => {
  db = await createPostgresDatabase("route_plans");
  stack = await createPostgresStack({ url: db.url });
  // Foreign rows: older and more urgent than ours, so an index without the route would put
  // every one of them before ours.
  await stack.prisma.$executeRawUnsafe(
    `INSERT INTO ratchet_runs (id, workflow_id, workflow_version, fingerprint, route, status, priority, input, config, metadata, created_at, updated_at)
     SELECT 'other-run-' || g, 'other-' || (g % 200), '1', 'f', 'other-' || (g % 200) || '@1#f', 'PENDING', 1 + g % 9,
       '{}', '{}', '{}', TIMESTAMPTZ '2026-01-01T00:00:00Z' + g * INTERVAL '1 ms', TIMESTAMPTZ '2026-01-01T00:00:00Z'
     FROM generate_series(1, ${FOREIGN}) g`,
  );
  await stack.prisma.$executeRawUnsafe(
    `INSERT INTO ratchet_jobs (job_id, run_id, workflow_id, route, stage_id, status, priority, attempt, max_attempts, payload, available_at, created_at, updated_at)
     SELECT 'other-job-' || g, 'other-run-' || g, 'other-' || (g % 200), 'other-' || (g % 200) || '@1#f', 's', 'PENDING', 1 + g % 9,
       0, 3, '{}', TIMESTAMPTZ '2026-01-01T00:00:00Z', TIMESTAMPTZ '2026-01-01T00:00:00Z', TIMESTAMPTZ '2026-01-01T00:00:00Z'
     FROM generate_series(1, ${FOREIGN}) g`,
  );
  for (let i = 0; i < 5; i++) {
    const route = i < 3 ? VERSIONED : LEGACY;
    ourRuns.push(ourRun(i, route));
    ourJobs.push(ourJob(i, route));
  }
  for (const run of ourRuns) await stack.persistence.createRun(run);
  await stack.jobTransport.enqueue(ourJobs);
  await stack.prisma.$executeRawUnsafe("ANALYZE ratchet_runs");
  await stack.prisma.$executeRawUnsafe("ANALYZE ratchet_jobs");
  client = new pg.Client({ connectionString: db.url });
  client.on("error", () => undefined);
  await client.connect();
}, 120_000);

afterAll(async () => {
  await client?.end();
  await stack?.close();
  await db?.drop();
});

/**
 * Checks that `plan` reads `table` through `index` (and primary-key lookups) only, never
 * sequentially, and that the index hands out no row but ours (`expected` of them, give or take
 * the rounding of per-loop averages; foreign rows would be thousands).
 */
function expectRangeScans(plan: PlanNode, table: string, index: string, expected: number): void {
  const shown = describePlan(plan);
  const scans = planNodes(plan).filter(
    (node) => node["Relation Name"] === table && node["Node Type"] !== "ModifyTable",
  );
  expect(
    scans.filter((node) => !/^Index (Only )?Scan$/.test(node["Node Type"])),
    shown,
  ).toEqual([]);
  const ranges = scans.filter((node) => node["Index Name"] === index);
  expect(ranges.length, shown).toBeGreaterThan(0);
  // Actual Rows is a per-loop average, rounded: rows × loops is off by less than one per loop.
  const loops = ranges.reduce((sum, node) => sum + (node["Actual Loops"] ?? 1), 0);
  const read = ranges.reduce(
    (sum, node) => sum + (node["Actual Rows"] ?? 0) * (node["Actual Loops"] ?? 1),
    0,
  );
  expect(read, shown).toBeGreaterThan(expected - loops);
  expect(read, shown).toBeLessThan(expected + loops);
  for (const node of ranges) expect(node["Rows Removed by Filter"] ?? 0, shown).toBe(0);
  for (const node of scans.filter((s) => s["Index Name"] !== index))
    expect(node["Index Name"], shown).toBe(`${table}_pkey`);
}

const cases: Array<{ routes: string[]; ours: number }> = [
  { routes: [VERSIONED], ours: 3 },
  { routes: [VERSIONED, LEGACY, "nobody@1#x"], ours: 5 },
];
const modes: PlanMode[] = ["custom", "generic"];

describe("route-filtered claims on PostgreSQL with 20,000 pending rows of other routes", () => {
  for (const mode of modes) {
    for (const { routes, ours } of cases) {
      it(`claimPendingRuns (${routes.length} routes, ${mode} plan) range-scans ratchet_runs_route_claim_idx per route`, async () => {
        const statement = claimRunsStatement(postgresDialect, { limit: 10, now: NOW, routes });
        const plan = await explainAnalyze(client, statement, mode);
        expect(plan["Node Type"]).toBe("ModifyTable");
        expect(plan["Actual Rows"]).toBe(ours);
        expectRangeScans(plan, "ratchet_runs", "ratchet_runs_route_claim_idx", ours);
      });

      it(`dequeue (${routes.length} routes, ${mode} plan) range-scans ratchet_jobs_route_dequeue_idx per route`, async () => {
        const statement = dequeueStatement(postgresDialect, {
          workerId: "w",
          limit: 10,
          leaseMs: 60_000,
          now: NOW,
          routes,
        });
        const plan = await explainAnalyze(client, statement, mode);
        expect(plan["Actual Rows"]).toBe(ours);
        expectRangeScans(plan, "ratchet_jobs", "ratchet_jobs_route_dequeue_idx", ours);
      });
    }
  }

  it("claimPendingRuns with routes claims exactly our runs, most urgent first, and leaves the others pending", async () => {
    const claimed = await stack.persistence.claimPendingRuns({
      limit: 10,
      now: NOW,
      routes: [VERSIONED, LEGACY],
    });
    expect(claimed.map((run) => run.id)).toEqual(ourRuns.map((run) => run.id));
    expect(claimed.every((run) => run.status === "RUNNING")).toBe(true);
    const { rows } = await client.query(
      "SELECT count(*)::int AS n FROM ratchet_runs WHERE status = 'PENDING' AND route LIKE 'other-%'",
    );
    expect(rows[0].n).toBe(FOREIGN);
  });

  it("dequeue with routes takes exactly our jobs and leaves the others pending", async () => {
    const taken = await stack.jobTransport.dequeue({
      workerId: "w",
      limit: 10,
      leaseMs: 60_000,
      now: NOW,
      routes: [VERSIONED, LEGACY],
    });
    expect(taken.map((job) => job.jobId)).toEqual(ourJobs.map((job) => job.jobId));
    const { rows } = await client.query(
      "SELECT count(*)::int AS n FROM ratchet_jobs WHERE status = 'PENDING' AND route LIKE 'other-%'",
    );
    expect(rows[0].n).toBe(FOREIGN);
  });
});
