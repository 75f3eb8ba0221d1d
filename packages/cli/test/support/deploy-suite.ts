/**
 * The deploy commands end to end, as real child processes on a real database: version 1 runs
 * of the "order" fixture written through a kernel, then `status`, `runs`, `deploy-check` and
 * `runs migrate` against modules with version 2 (with and without a migration) and with both
 * versions, and a version 2 `ratchet worker` completing the moved runs. Registered by the
 * SQLite and PostgreSQL test files, each with its own way to make a database.
 */
import { tmpdir } from "node:os";
import { type AnyWorkflow, routeKey } from "@ratchet/kernel";
import type { PrismaStack } from "@ratchet/prisma";
import { beforeAll, describe, expect, it } from "vitest";
import { type CliResult, eventually, runCli, startCli } from "./cli.js";
import {
  fixture,
  fixtureWorkflows,
  kernelFor,
  type OrderRunCounts,
  type OrderRuns,
  seedOrderRuns,
} from "./order-runs.js";

/** A fresh database for one test. */
export interface SuiteDatabase {
  /** `--database-url` of the CLI. */
  url: string;
  /** Opens (and migrates) it in this process. */
  open(): Promise<PrismaStack>;
  /** Removes it. */
  cleanup(): Promise<void>;
}

/** A database with seeded runs, and the CLI pointed at it. */
interface Seeded {
  runs: OrderRuns;
  /** `--database-url` of the database. */
  url: string;
  cli(...args: string[]): Promise<CliResult>;
  /**
   * Every stored row of every run (runs, stages, jobs, logs, signals, signal waits), read in
   * this process: what a command that must change nothing is held to. (It was the CLI's
   * `runs --json` and a `status --json` per run, one child process each — half the suite's
   * time — and it saw less: not a job's lease, say.) The outbox is left out: any worker's
   * flusher publishes every run's events, whatever its workflows.
   */
  state(only?: ReadonlySet<string>): Promise<RunRows>;
}

/** The stored rows of runs, by table, each table's rows in a stable order. */
type RunRows = Record<string, Record<string, unknown>[]>;

/** The tables holding a run's rows, and the column naming the run. */
const RUN_TABLES = [
  ["ratchet_runs", "id"],
  ["ratchet_stages", "run_id"],
  ["ratchet_jobs", "run_id"],
  ["ratchet_logs", "run_id"],
  ["ratchet_signals", "run_id"],
  ["ratchet_signal_waits", "run_id"],
] as const;

const rowKey = (row: Record<string, unknown>) =>
  JSON.stringify(row, (_, v) => (typeof v === "bigint" ? String(v) : v));

/** Every row of the run tables in `stack`'s database (of the runs `only` names, if given). */
async function readRunRows(stack: PrismaStack, only?: ReadonlySet<string>): Promise<RunRows> {
  const rows: RunRows = {};
  for (const [table, column] of RUN_TABLES) {
    const all = await stack.prisma.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT * FROM ${table}`,
    );
    rows[table] = all
      .filter((row) => !only || only.has(String(row[column])))
      .sort((a, b) => (rowKey(a) < rowKey(b) ? -1 : rowKey(a) > rowKey(b) ? 1 : 0));
  }
  return rows;
}

/** Registers the suite; `createDatabase(label)` makes a fresh database per test. */
export function deploySuite(
  name: string,
  createDatabase: (label: string) => Promise<SuiteDatabase>,
): void {
  describe(name, () => {
    const cwd = tmpdir();
    let v1: AnyWorkflow;
    let v2: AnyWorkflow;
    beforeAll(async () => {
      [v1] = (await fixtureWorkflows("order-v1.mjs")) as [AnyWorkflow];
      [v2] = (await fixtureWorkflows("order-v2.mjs")) as [AnyWorkflow];
    });

    /** Runs `fn` on a fresh database holding version 1 runs in the states `counts` asks for. */
    async function withSeeded(
      label: string,
      counts: OrderRunCounts,
      fn: (seeded: Seeded) => Promise<void>,
    ): Promise<void> {
      const db = await createDatabase(label);
      try {
        const stack = await db.open();
        let runs: OrderRuns;
        try {
          runs = await seedOrderRuns(stack, kernelFor(stack, [v1]), counts);
        } finally {
          await stack.close();
        }
        const cli = (...args: string[]) => runCli([...args, "--database-url", db.url], { cwd });
        const state = async (only?: ReadonlySet<string>) => {
          const reader = await db.open();
          try {
            return await readRunRows(reader, only);
          } finally {
            await reader.close();
          }
        };
        await fn({ runs, url: db.url, cli, state });
      } finally {
        await db.cleanup();
      }
    }

    it("status shows the version and what a waiting run waits for; runs shows the version", async () => {
      await withSeeded("status", { atCharge: 1, executing: 1 }, async ({ runs, cli }) => {
        const created = await cli(
          "run",
          "order",
          "--input",
          '{"orderId":"o-cli","amount":3}',
          "--workflows",
          fixture("order-v1.mjs"),
          "--quiet",
        );
        expect(created.code).toBe(0);
        const pendingId = created.stdout.trim();
        const waitsFor = `waiting for a worker that has workflow "order" at version 1 (fingerprint ${v1.fingerprint})`;

        const pending = await cli("status", pendingId, "--no-color");
        expect(pending.code).toBe(0);
        expect(pending.stdout).toMatch(/^status\s+PENDING$/m);
        expect(pending.stdout).toContain(`version   1 (fingerprint ${v1.fingerprint})`);
        expect(pending.stdout).toMatch(new RegExp(`^ {10}${regexLiteral(waitsFor)}$`, "m"));
        const pendingJson = JSON.parse((await cli("status", pendingId, "--json")).stdout);
        expect(pendingJson.run).toMatchObject({
          workflowVersion: "1",
          fingerprint: v1.fingerprint,
        });
        expect(pendingJson.waitingFor).toEqual({
          workflowId: "order",
          workflowVersion: "1",
          fingerprint: v1.fingerprint,
          route: routeKey({
            workflowId: "order",
            workflowVersion: "1",
            fingerprint: v1.fingerprint,
          }),
          waiting: "claim",
          stages: [],
        });

        const atCharge = runs.atCharge[0] as string;
        const running = await cli(
          "status",
          atCharge,
          "--no-color",
          "--workflows",
          fixture("order-v1-v2.mjs"),
        );
        expect(running.stdout).toMatch(/^status\s+RUNNING$/m);
        expect(running.stdout).toContain(`${waitsFor} to execute "charge"`);
        expect(running.stdout).toMatch(/✓ reserve\s+COMPLETED[\s\S]*· charge\s+PENDING/);
        const runningJson = JSON.parse((await cli("status", atCharge, "--json")).stdout);
        expect(runningJson.waitingFor).toMatchObject({ waiting: "stages", stages: ["charge"] });

        // A run whose stage is being executed waits for no one.
        const executing = runs.executing[0] as string;
        const busy = await cli("status", executing);
        expect(busy.stdout).toMatch(/status\s+RUNNING/);
        expect(busy.stdout).not.toContain("waiting for a worker");
        expect(JSON.parse((await cli("status", executing, "--json")).stdout)).not.toHaveProperty(
          "waitingFor",
        );

        const listed = JSON.parse((await cli("runs", "--json")).stdout).runs as Record<
          string,
          string
        >[];
        expect(listed).toHaveLength(3);
        for (const run of listed)
          expect(run).toMatchObject({ workflowVersion: "1", fingerprint: v1.fingerprint });
        const table = await cli("runs", "--no-color");
        expect(table.stdout.split("\n")[0]).toMatch(/^RUN\s+WORKFLOW\s+VERSION\s+STATUS\s/);
        expect(table.stdout).toMatch(new RegExp(`^${pendingId}\\s+order\\s+1\\s+PENDING`, "m"));
      });
    });

    it("deploy-check: v2 needs a migration (exit 4), v2 without one strands them (exit 4), v1+v2 is ok (exit 0)", async () => {
      await withSeeded("check", { atCharge: 2, pending: 1 }, async ({ cli, state }) => {
        const other = await cli(
          "run",
          "document-pipeline",
          "--input",
          '{"url":"https://library.example.org/x"}',
          "--quiet",
        );
        expect(other.code).toBe(0);
        const before = await state();

        const needs = await cli(
          "deploy-check",
          "--workflows",
          fixture("order-v2.mjs"),
          "--no-color",
        );
        expect(needs.stderr).toBe("");
        expect(needs.code).toBe(4);
        expect(needs.stdout).toMatch(
          new RegExp(`^order\\s+1\\s+${v1.fingerprint}\\s+3\\s+needs migration to version 2$`, "m"),
        );
        expect(needs.stdout).toMatch(
          /^document-pipeline\s+1\s+[0-9a-f]{16}\s+1\s+not checked \(workflow not in the module\)$/m,
        );
        expect(needs.stdout).toContain(
          "4 run(s) in flight: 0 ok, 3 need migration, 0 stranded, 1 not checked",
        );
        expect(needs.stdout).toContain(
          `ratchet runs migrate --workflow order --from 1 --to 2 --workflows ${fixture("order-v2.mjs")}`,
        );

        const stranded = await cli(
          "deploy-check",
          "--workflows",
          fixture("order-v2-no-migration.mjs"),
          "--verbose",
          "--no-color",
        );
        expect(stranded.code).toBe(4);
        expect(stranded.stdout).toMatch(
          new RegExp(`^order\\s+1\\s+${v1.fingerprint}\\s+3\\s+stranded$`, "m"),
        );
        expect(stranded.stdout).toContain(
          `"order" version 1 (fingerprint ${v1.fingerprint}), 3 run(s): version 2 declares no migration from version 1 (add .migrateFrom("1"))`,
        );
        expect(stranded.stdout).not.toContain("move the runs that need a migration");
        expect(stranded.stdout).not.toContain("ratchet runs migrate --workflow");

        const json = JSON.parse(
          (await cli("deploy-check", "--workflows", fixture("order-v2.mjs"), "--json")).stdout,
        );
        expect(json.summary).toEqual({
          inFlight: 4,
          ok: 0,
          needsMigration: 3,
          stranded: 0,
          notChecked: 1,
          passed: false,
        });
        const group = json.groups.find((g: { verdict: string }) => g.verdict === "needs-migration");
        expect(group).toMatchObject({
          workflowId: "order",
          workflowVersion: "1",
          fingerprint: v1.fingerprint,
          count: 3,
          toVersion: "2",
        });
        expect(group.runs).toHaveLength(3);

        const ok = await cli(
          "deploy-check",
          "--workflows",
          fixture("order-v1-v2.mjs"),
          "--no-color",
        );
        expect(ok.code).toBe(0);
        expect(ok.stdout).toMatch(new RegExp(`^order\\s+1\\s+${v1.fingerprint}\\s+3\\s+ok$`, "m"));
        expect(ok.stdout).toContain(
          "4 run(s) in flight: 3 ok, 0 need migration, 0 stranded, 1 not checked",
        );

        expect(await state()).toEqual(before);
      });
    });

    it("runs migrate: --dry-run lists and changes nothing, then the runs move and a v2 worker completes them", async () => {
      await withSeeded(
        "migrate",
        { atCharge: 2, pending: 1 },
        async ({ runs, url, cli, state }) => {
          const v2Module = fixture("order-v2.mjs");
          const migrate = [
            "runs",
            "migrate",
            "--workflow",
            "order",
            "--from",
            "1",
            "--workflows",
            v2Module,
          ];
          const badTarget = await cli(...migrate, "--to", "3");
          expect(badTarget.code).toBe(2);
          expect(badTarget.stderr).toContain(
            `error [USAGE]: --to 3: no version 3 of workflow "order" in ${v2Module}`,
          );
          expect(badTarget.stderr).toContain('hint: Registered versions of "order": 2.');

          const before = await state();
          const dry = await cli(...migrate, "--to", "2", "--dry-run", "--no-color");
          expect(dry.stderr).toBe("");
          expect(dry.code).toBe(0);
          for (const id of runs.atCharge)
            expect(dry.stdout).toContain(
              `→ would move ${id}: version 1 → 2; would resume at "bill", carrying reserve, fraud`,
            );
          expect(dry.stdout).toContain(`→ would move ${runs.pending[0]}: version 1 → 2`);
          expect(dry.stdout).toContain(
            'dry run: 3 would move, 0 refused, 0 skipped of 3 waiting run(s) of "order" at version 1 → version 2; nothing was changed',
          );
          expect(await state()).toEqual(before);

          const moved = await cli(...migrate, "--to", "2", "--json");
          expect(moved.code).toBe(0);
          const result = JSON.parse(moved.stdout);
          expect(result.summary).toMatchObject({
            examined: 3,
            migrated: 3,
            refused: 0,
            dryRun: false,
          });
          expect(result.runs.map((r: { outcome: string }) => r.outcome)).toEqual([
            "migrated",
            "migrated",
            "migrated",
          ]);
          const listed = JSON.parse((await cli("runs", "--json")).stdout).runs as Record<
            string,
            string
          >[];
          for (const run of listed)
            expect(run).toMatchObject({
              workflowVersion: "2",
              fingerprint: v2.fingerprint,
              status: expect.stringMatching(/PENDING|RUNNING/),
            });
          expect((await cli("deploy-check", "--workflows", v2Module)).code).toBe(0);

          const worker = await startCli(
            ["worker", "--workflows", v2Module, "--worker-id", "w-v2", "--database-url", url],
            { cwd, ready: "worker w-v2 started" },
          );
          try {
            // Polled in this process (a CLI call per poll cost a second of CPU); `status`
            // below shows each run as the CLI sees it.
            const done = await eventually(async () => {
              const stored = (await state()).ratchet_runs ?? [];
              const completed = stored.filter((run) => run.status === "COMPLETED");
              return completed.length === 3 ? completed : undefined;
            }, "the moved runs to complete on version 2");
            expect(done).toHaveLength(3);
          } finally {
            worker.child.kill("SIGTERM");
          }
          expect(await worker.exited).toBe(0);
          for (const id of [...runs.atCharge, ...runs.pending]) {
            const shown = JSON.parse((await cli("status", id, "--json")).stdout);
            expect(shown.run).toMatchObject({
              status: "COMPLETED",
              workflowVersion: "2",
              output: { by: "v2" },
            });
            expect(shown.stages.map((s: { stageId: string }) => s.stageId)).toEqual([
              "reserve",
              "fraud",
              "bill",
              "ship",
            ]);
          }
        },
      );
    });

    it("a `run --wait` of another workflow on the same database leaves the order runs as they were", async () => {
      await withSeeded("other-flow", { pending: 2, atCharge: 1 }, async ({ cli, state }) => {
        const before = await state();
        // The built-in workflows only: the host this starts has no "order" at all.
        const other = await cli(
          "run",
          "document-pipeline",
          "--input",
          JSON.stringify({ url: "https://library.example.org/papers/sqlite-wal" }),
          "--wait",
          "--quiet",
        );
        expect(other.code, other.stderr).toBe(0);
        // The only new run is the one just created; every order run is untouched.
        const orderIds = new Set(before.ratchet_runs?.map((r) => String(r.id)));
        expect(orderIds.size).toBe(3);
        expect((await state()).ratchet_runs).toHaveLength(4);
        expect(await state(orderIds)).toEqual(before);
      });
    });

    it("runs migrate reports refused runs with the reason, leaves them unchanged and exits 4", async () => {
      await withSeeded("refused", { atCharge: 1, executing: 1 }, async ({ runs, cli, state }) => {
        const before = await state();
        const migrate = [
          "runs",
          "migrate",
          "--workflow",
          "order",
          "--from",
          "1",
          "--to",
          "2",
          "--no-color",
        ];
        const noMigration = await cli(
          ...migrate,
          "--workflows",
          fixture("order-v2-no-migration.mjs"),
        );
        expect(noMigration.code).toBe(4);
        for (const id of [...runs.atCharge, ...runs.executing])
          expect(noMigration.stdout).toContain(
            `✗ refused ${id}: version 2 declares no migration from version 1 (add .migrateFrom("1"))`,
          );
        expect(noMigration.stdout).toContain(
          '0 moved, 2 refused, 0 skipped of 2 waiting run(s) of "order" at version 1 → version 2',
        );
        expect(noMigration.stderr).toContain(
          "some runs were not moved and were left exactly as they were",
        );
        expect(await state()).toEqual(before);

        // With a migration, the run whose stage is being executed is still refused; the other moves.
        const busy = await cli(...migrate, "--workflows", fixture("order-v2.mjs"), "--quiet");
        expect(busy.code).toBe(4);
        expect(busy.stdout).toMatch(
          new RegExp(
            `^✗ refused ${runs.executing[0]}: stage "charge" is being executed \\(lease held by busy`,
            "m",
          ),
        );
        expect(busy.stdout).not.toContain(`moved ${runs.atCharge[0]}`);
        expect(busy.stdout).toContain("1 moved, 1 refused, 0 skipped of 2 waiting run(s)");
        const executing = new Set(runs.executing);
        const executingBefore = Object.fromEntries(
          Object.entries(before).map(([table, rows]) => [
            table,
            rows.filter((row) =>
              executing.has(String(table === "ratchet_runs" ? row.id : row.run_id)),
            ),
          ]),
        );
        expect(executingBefore.ratchet_runs).toHaveLength(1);
        expect(await state(executing)).toEqual(executingBefore);
      });
    });
  });
}

/** `text` as a literal in a regular expression. */
function regexLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
