/**
 * The deploy helpers in process, on the kernel's in-memory stack: what a waiting run waits for,
 * the stage order of a run's own definition, `deploy-check`'s verdicts and `runs migrate`'s
 * loop (dry run and real), and how both are printed.
 */
import { type AnyWorkflow, type RunRecord, routeKey } from "@ratchet/kernel";
import { createInMemoryStack } from "@ratchet/kernel/in-memory";
import { beforeAll, describe, expect, it } from "vitest";
import { checkDeploy } from "../src/deploys/check-deploy.js";
import { type MigrationReport, migrateRuns, needsAttention } from "../src/deploys/migrate-runs.js";
import { describeWaitingFor, waitingForOf } from "../src/deploys/waiting-for.js";
import { renderDeployCheck } from "../src/render/deploy-check.js";
import { migrationLine, migrationSummaryLine } from "../src/render/migration-report.js";
import { createStyle } from "../src/render/style.js";
import { definitionOf, newestVersionOf, stageIdsOf } from "../src/runtime/workflows.js";
import {
  fixtureWorkflows,
  kernelFor,
  type OrderRuns,
  seedOrderRuns,
} from "./support/order-runs.js";
import { at, runRecord } from "./support/records.js";

const plain = createStyle(false);
let v1: AnyWorkflow[];
let v2: AnyWorkflow[];
let v1v2: AnyWorkflow[];
let v2NoMigration: AnyWorkflow[];

beforeAll(async () => {
  v1 = await fixtureWorkflows("order-v1.mjs");
  v2 = await fixtureWorkflows("order-v2.mjs");
  v1v2 = await fixtureWorkflows("order-v1-v2.mjs");
  v2NoMigration = await fixtureWorkflows("order-v2-no-migration.mjs");
});

/** An in-memory stack with v1 runs of "order" (2 at charge, 1 executing, 1 pending), an unversioned "order" run and a run of another workflow. */
async function stackWithOrders() {
  const stack = createInMemoryStack();
  const runs = await seedOrderRuns(stack, kernelFor(stack, v1), {
    atCharge: 2,
    executing: 1,
    pending: 1,
  });
  const other = { config: {}, metadata: {}, idempotencyKey: null, eventSeq: 0, priority: 0 };
  await stack.persistence.createRun({
    ...other,
    id: "legacy-order",
    workflowId: "order",
    workflowVersion: "",
    fingerprint: "",
    input: { orderId: "legacy", amount: 1 },
    createdAt: at(0),
  });
  await stack.persistence.createRun({
    ...other,
    id: "other-run",
    workflowId: "other",
    workflowVersion: "1",
    fingerprint: "0123456789abcdef",
    input: {},
    createdAt: at(0),
  });
  return { stack, runs };
}

/** Every run with its stages and active jobs, to show nothing changed. */
async function everything(stack: ReturnType<typeof createInMemoryStack>) {
  const { runs } = await stack.queries.listRuns({ limit: 1_000 });
  return Promise.all(
    runs.map(async (run) => ({
      run,
      stages: await stack.persistence.listStages(run.id),
      jobs: await stack.jobTransport.activeJobsForRun(run.id),
    })),
  );
}

describe("waitingForOf", () => {
  const run = (patch: Partial<RunRecord>) =>
    runRecord("r-1", { workflowId: "order", workflowVersion: "1", fingerprint: "3f9c", ...patch });

  it("says a PENDING run waits to be claimed by a worker with its exact definition", () => {
    const waiting = waitingForOf(run({ status: "PENDING" }), []);
    expect(waiting).toEqual({
      workflowId: "order",
      workflowVersion: "1",
      fingerprint: "3f9c",
      route: routeKey({ workflowId: "order", workflowVersion: "1", fingerprint: "3f9c" }),
      waiting: "claim",
      stages: [],
    });
    expect(describeWaitingFor(waiting as NonNullable<typeof waiting>)).toBe(
      'waiting for a worker that has workflow "order" at version 1 (fingerprint 3f9c)',
    );
  });

  it("says a RUNNING run with queued stages and none executing waits for them", () => {
    const waiting = waitingForOf(run({ status: "RUNNING" }), [
      { status: "PENDING", stageId: "charge" },
    ]);
    expect(waiting).toMatchObject({ waiting: "stages", stages: ["charge"] });
    expect(describeWaitingFor(waiting as NonNullable<typeof waiting>)).toBe(
      'waiting for a worker that has workflow "order" at version 1 (fingerprint 3f9c) to execute "charge"',
    );
  });

  it("is undefined while a stage is executed, when nothing is queued, and for ended runs", () => {
    const jobs = [
      { status: "PENDING", stageId: "a" },
      { status: "RUNNING", stageId: "b" },
    ] as const;
    expect(waitingForOf(run({ status: "RUNNING" }), jobs)).toBeUndefined();
    expect(waitingForOf(run({ status: "RUNNING" }), [])).toBeUndefined();
    expect(waitingForOf(run({ status: "COMPLETED" }), [])).toBeUndefined();
  });

  it("names any version for a run stored before versions", () => {
    const waiting = waitingForOf(
      run({ status: "PENDING", workflowVersion: "", fingerprint: "" }),
      [],
    );
    expect(waiting?.route).toBe("order");
    expect(describeWaitingFor(waiting as NonNullable<typeof waiting>)).toContain(
      'workflow "order" (any version',
    );
  });
});

describe("definitionOf", () => {
  it("orders stages by the run's own version, not the newest, and by none it does not know", () => {
    const [orderV1, orderV2] = v1v2 as [AnyWorkflow, AnyWorkflow];
    const ref = (w: AnyWorkflow) => ({
      workflowId: "order",
      workflowVersion: w.version,
      fingerprint: w.fingerprint,
    });
    expect(stageIdsOf(definitionOf(ref(orderV1), v1v2))).toEqual(["reserve", "charge", "ship"]);
    expect(stageIdsOf(definitionOf(ref(orderV2), v1v2))).toEqual([
      "reserve",
      "fraud",
      "bill",
      "ship",
    ]);
    expect(definitionOf(ref(orderV1), v2)).toBeUndefined();
    const legacy = { workflowId: "order", workflowVersion: "", fingerprint: "" };
    expect(definitionOf(legacy, v1v2)).toBe(orderV2);
    expect(newestVersionOf("order", v1v2)).toBe(orderV2);
  });
});

describe("checkDeploy", () => {
  const verdicts = (groups: ReturnType<Awaited<ReturnType<typeof checkDeploy>>["groups"]>) =>
    groups.map((g) => [g.workflowId, g.workflowVersion, g.verdict, g.count]);

  it("v2 with a migration: v1 runs need it, the one being executed is stranded, others ok or not checked", async () => {
    const { stack, runs } = await stackWithOrders();
    const before = await everything(stack);
    const report = await checkDeploy({
      kernel: kernelFor(stack, v2),
      queries: stack.queries,
      workflows: v2,
      keepRuns: true,
    });
    const groups = report.groups();
    expect(verdicts(groups)).toEqual([
      ["order", "", "ok", 1],
      ["order", "1", "stranded", 1],
      ["order", "1", "needs-migration", 3],
      ["other", "1", "not-checked", 1],
    ]);
    const stranded = groups.find((g) => g.verdict === "stranded");
    expect(stranded?.runs.map((r) => r.id)).toEqual(runs.executing);
    expect(stranded?.reasons[0]?.reason).toContain('stage "charge" is being executed');
    const needs = groups.find((g) => g.verdict === "needs-migration");
    expect(needs?.toVersion).toBe("2");
    expect(needs?.runs.map((r) => r.id).sort()).toEqual([...runs.atCharge, ...runs.pending].sort());
    expect(report.summary()).toEqual({
      inFlight: 6,
      ok: 1,
      needsMigration: 3,
      stranded: 1,
      notChecked: 1,
      passed: false,
    });
    expect(await everything(stack)).toEqual(before);
  });

  it("v2 without a migration strands every v1 run, saying why", async () => {
    const { stack } = await stackWithOrders();
    const report = await checkDeploy({
      kernel: kernelFor(stack, v2NoMigration),
      queries: stack.queries,
      workflows: v2NoMigration,
      keepRuns: false,
    });
    const stranded = report.groups().find((g) => g.verdict === "stranded");
    expect(stranded?.count).toBe(4);
    expect(stranded?.runs).toEqual([]);
    expect(stranded?.reasons.map((r) => r.reason)).toContain(
      'version 2 declares no migration from version 1 (add .migrateFrom("1"))',
    );
    expect(report.summary()).toMatchObject({ stranded: 4, needsMigration: 0, passed: false });
  });

  it("a module registering v1 beside v2 passes: every run is ok", async () => {
    const { stack } = await stackWithOrders();
    const report = await checkDeploy({
      kernel: kernelFor(stack, v1v2),
      queries: stack.queries,
      workflows: v1v2,
      keepRuns: false,
    });
    expect(report.summary()).toEqual({
      inFlight: 6,
      ok: 5,
      needsMigration: 0,
      stranded: 0,
      notChecked: 1,
      passed: true,
    });
  });

  it("pages through more runs than one page holds", async () => {
    const stack = createInMemoryStack();
    await seedOrderRuns(stack, kernelFor(stack, v1), { pending: 205 });
    const report = await checkDeploy({
      kernel: kernelFor(stack, v2),
      queries: stack.queries,
      workflows: v2,
      keepRuns: false,
    });
    expect(report.summary()).toMatchObject({ inFlight: 205, needsMigration: 205 });
  });

  it("prints a table, the reasons for stranded runs and the command that moves the others", async () => {
    const { stack } = await stackWithOrders();
    const report = await checkDeploy({
      kernel: kernelFor(stack, v2),
      queries: stack.queries,
      workflows: v2,
      keepRuns: true,
    });
    const lines = renderDeployCheck(
      {
        modulePath: "./order-v2.mjs",
        workflows: v2,
        database: "SQLite ./x.db",
        groups: report.groups(),
        summary: report.summary(),
        verbose: false,
      },
      plain,
    );
    const text = lines.join("\n");
    expect(lines).toContain(`module    ./order-v2.mjs: order 2 (${v2[0]?.fingerprint})`);
    expect(text).toMatch(/^WORKFLOW\s+VERSION\s+FINGERPRINT\s+RUNS\s+VERDICT$/m);
    expect(text).toMatch(
      new RegExp(`^order\\s+1\\s+${v1[0]?.fingerprint}\\s+3\\s+needs migration to version 2$`, "m"),
    );
    expect(text).toMatch(/^order\s+-\s+-\s+1\s+ok \(unversioned run\)$/m);
    expect(text).toMatch(
      /^other\s+1\s+0123456789abcdef\s+1\s+not checked \(workflow not in the module\)$/m,
    );
    expect(text).toContain(
      `"order" version 1 (fingerprint ${v1[0]?.fingerprint}), 1 run(s): stage "charge" is being executed`,
    );
    expect(text).toContain("6 run(s) in flight: 1 ok, 3 need migration, 1 stranded, 1 not checked");
    expect(text).toContain(
      "  ratchet runs migrate --workflow order --from 1 --to 2 --workflows ./order-v2.mjs",
    );
  });
});

describe("migrateRuns", () => {
  async function migrate(
    stack: ReturnType<typeof createInMemoryStack>,
    workflows: AnyWorkflow[],
    options: { dryRun: boolean; fromVersion?: string; toVersion?: string; limit?: number },
  ) {
    const reports: MigrationReport[] = [];
    const summary = await migrateRuns(
      kernelFor(stack, workflows),
      stack.queries,
      {
        workflowId: "order",
        fromVersion: options.fromVersion ?? "1",
        target: workflows.find((w) => w.version === (options.toVersion ?? "2")) as AnyWorkflow,
        dryRun: options.dryRun,
        limit: options.limit,
      },
      (report) => reports.push(report),
    );
    return { reports, summary };
  }
  const outcomes = (reports: MigrationReport[]) =>
    Object.fromEntries(reports.map((r) => [r.workflowRunId, r.outcome]));
  const expected = (runs: OrderRuns, moved: string) => ({
    ...Object.fromEntries([...runs.atCharge, ...runs.pending].map((id) => [id, moved])),
    ...Object.fromEntries(runs.executing.map((id) => [id, "refused"])),
  });

  it("a dry run plans every waiting v1 run, refuses the one being executed, and changes nothing", async () => {
    const { stack, runs } = await stackWithOrders();
    const before = await everything(stack);
    const { reports, summary } = await migrate(stack, v2, { dryRun: true });
    expect(outcomes(reports)).toEqual(expected(runs, "planned"));
    expect(summary).toMatchObject({ examined: 4, planned: 3, refused: 1, migrated: 0 });
    expect(needsAttention(summary)).toBe(true);
    expect(await everything(stack)).toEqual(before);
    expect(migrationSummaryLine(summary)).toBe(
      'dry run: 3 would move, 1 refused, 0 skipped of 4 waiting run(s) of "order" at version 1 → version 2; nothing was changed',
    );
  });

  it("moves them to v2 (the executing one is refused and left as it was)", async () => {
    const { stack, runs } = await stackWithOrders();
    const executing = runs.executing[0] as string;
    const before = await stack.queries.getRun(executing);
    const { reports, summary } = await migrate(stack, v2, { dryRun: false });
    expect(outcomes(reports)).toEqual(expected(runs, "migrated"));
    expect(summary).toMatchObject({ examined: 4, migrated: 3, refused: 1 });
    for (const id of [...runs.atCharge, ...runs.pending])
      expect((await stack.persistence.getRun(id))?.workflowVersion).toBe("2");
    expect(await stack.queries.getRun(executing)).toEqual(before);
    const atCharge = reports.find((r) => r.workflowRunId === runs.atCharge[0]);
    expect(migrationLine(atCharge as MigrationReport, plain)).toBe(
      `✓ moved ${runs.atCharge[0]}: version 1 → 2; resumes at "bill", carried reserve, fraud`,
    );
    const refused = reports.find((r) => r.outcome === "refused");
    expect(migrationLine(refused as MigrationReport, plain)).toMatch(
      new RegExp(`^✗ refused ${executing}: stage "charge" is being executed`),
    );
    // A second pass finds nothing left at version 1 but the refused run.
    const again = await migrate(stack, v2, { dryRun: false });
    expect(again.summary).toMatchObject({ examined: 1, refused: 1 });
  });

  it("stops after --limit runs, and finds nothing at a version no run has", async () => {
    const { stack } = await stackWithOrders();
    expect((await migrate(stack, v2, { dryRun: true, limit: 2 })).summary.examined).toBe(2);
    const none = await migrate(stack, v2, { dryRun: true, fromVersion: "7" });
    expect(none.summary.examined).toBe(0);
    expect(migrationSummaryLine(none.summary)).toBe(
      'no waiting runs of "order" at version 7: nothing to do',
    );
  });

  it("moves to the version --to names, not the newest registered", async () => {
    const { stack, runs } = await stackWithOrders();
    const before = await everything(stack);
    const { reports, summary } = await migrate(stack, v1v2, { dryRun: false, toVersion: "1" });
    expect(summary).toMatchObject({ examined: 4, skipped: 4, migrated: 0, toVersion: "1" });
    expect(reports.map((r) => r.reason)).toEqual(Array(4).fill("the run is on the target already"));
    expect(needsAttention(summary)).toBe(false);
    expect(await everything(stack)).toEqual(before);
    expect(runs.pending).toHaveLength(1);
  });

  it("refuses every run when v2 declares no migration from v1", async () => {
    const { stack } = await stackWithOrders();
    const { reports, summary } = await migrate(stack, v2NoMigration, { dryRun: false });
    expect(summary).toMatchObject({ examined: 4, refused: 4, migrated: 0 });
    expect(reports.every((r) => r.outcome === "refused")).toBe(true);
  });
});
