/**
 * The operator commands in process (`main()`) on a real database: graph, cancel, retry, rerun,
 * logs and events (with --follow), status --follow, replay-dead-letters and the runs filters.
 * Runs of the fixture workflows (test/fixtures/operations.mjs) are executed by a kernel driver
 * here, as a worker would — step by step where a test follows them. Registered by the SQLite
 * and PostgreSQL test files, each with its own database.
 */
import type { AnyWorkflow, Kernel } from "@ratchet/kernel";
import { createDriver, type Driver } from "@ratchet/kernel/testing";
import type { PrismaStack } from "@ratchet/prisma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/main.js";
import { createCommandKernel } from "../../src/runtime/command-kernel.js";
import { eventually } from "./cli.js";
import type { CliTestDatabase, CreateCliTestDatabase } from "./databases.js";
import { fakeIo } from "./fake-stream.js";
import { fixture, fixtureWorkflows } from "./order-runs.js";

const WORKFLOWS = fixture("operations.mjs");
/** The fixture's switch (see operations.mjs). */
const control = (): { failCharge: boolean } =>
  (globalThis as unknown as { ratchetOpsFixture: { failCharge: boolean } }).ratchetOpsFixture;

/** Registers the suite on the database `createDatabase` makes (one for the whole file). */
export function operationsSuite(name: string, createDatabase: CreateCliTestDatabase): void {
  describe(name, () => {
    let db: CliTestDatabase;
    let stack: PrismaStack;
    let kernel: Kernel;
    let driver: Driver;

    /** Starts `ratchet <args>` on the database; `done` resolves with the exit code. */
    const start = (args: string[], tty = false) => {
      const io = fakeIo({ tty });
      const done = main([...args, "--database-url", db.url], io);
      return { io, done };
    };
    /** Runs `ratchet <args>` on the database to its end. */
    const cli = async (...args: string[]) => {
      const { io, done } = start(args);
      const code = await done;
      return { code, stdout: io.stdout.text, stderr: io.stderr.text };
    };
    /** `cli` with the fixture workflows registered. */
    const wcli = (...args: string[]) => cli(...args, "--workflows", WORKFLOWS);
    const lines = (text: string) => text.trimEnd().split("\n");
    const jsonLines = (text: string) => lines(text).map((line) => JSON.parse(line));

    const create = async (workflowId = "ops-order") =>
      (await kernel.dispatch({ type: "run.create", workflowId, input: {} })).workflowRunId;
    const statusOf = async (runId: string) => (await stack.queries.getRun(runId))?.run.status;
    const completedRun = async () => {
      control().failCharge = false;
      const runId = await create();
      expect((await driver.runToCompletion(runId)).status).toBe("COMPLETED");
      return runId;
    };
    const failedRun = async () => {
      control().failCharge = true;
      const runId = await create();
      expect((await driver.runToCompletion(runId)).status).toBe("FAILED");
      control().failCharge = false;
      return runId;
    };

    beforeAll(async () => {
      const workflows: AnyWorkflow[] = await fixtureWorkflows("operations.mjs");
      db = await createDatabase();
      stack = await db.open();
      kernel = createCommandKernel(stack, workflows);
      driver = createDriver({
        kernel,
        jobTransport: stack.jobTransport,
        persistence: stack.persistence,
        clock: { now: () => new Date(), advance: () => {} },
      });
    });
    afterAll(async () => {
      await stack?.close();
      await db?.cleanup();
    });

    it("each operator command has --help with its options and exit codes", async () => {
      const expected: Record<string, string[]> = {
        cancel: ["--reason", "ILLEGAL_STATE_TRANSITION"],
        retry: ["RUN_NOT_FAILED"],
        rerun: ["--from <stageId>", "STAGE_NOT_FOUND"],
        logs: ["--stage <stageId>", "-f, --follow", "--interval <ms>", "130"],
        events: ["-f, --follow", "130"],
        status: ["-f, --follow", "--interval <ms>"],
        "replay-dead-letters": ["--run <runId>", "--limit <n>"],
        graph: ["--version <version>", "WORKFLOW_NOT_FOUND"],
        runs: ["--status <status,…>", "--parent <runId>", "--since <time>", "--until <time>"],
      };
      for (const [command, texts] of Object.entries(expected)) {
        const help = await cli(command, "--help");
        expect(help.code).toBe(0);
        for (const text of texts) expect(help.stdout).toContain(text);
      }
      expect((await cli("--help")).stdout).toMatch(/^ {2}130 {2}interrupted/m);
    });

    it("graph prints a workflow as a Mermaid flowchart, or --json with its version", async () => {
      const graph = await wcli("graph", "ops-order");
      expect(graph.code).toBe(0);
      const text = lines(graph.stdout);
      expect(text[0]).toBe("flowchart TD");
      for (const line of [
        '  s1_0["charge"]',
        "  run_start --> s0_0",
        "  s0_0 --> s1_0",
        "  s1_0 --> s2_0",
        "  s2_0 --> run_end",
      ])
        expect(text).toContain(line);
      const parent = await wcli("graph", "ops-parent");
      expect(parent.stdout).toContain('s0_0("sub<br/>wait: child workflow #quot;ops-order#quot;")');

      const builtIn = await cli("graph", "document-pipeline");
      expect(builtIn.stdout).toMatch(/^ {2}fork\d+ --> s\d+_0$/m);
      expect(builtIn.stdout).toMatch(/^ {2}s\d+_\d+ --> join\d+$/m);

      const json = JSON.parse((await wcli("graph", "ops-order", "--json")).stdout);
      expect(json).toEqual({
        workflowId: "ops-order",
        version: "1",
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
        mermaid: graph.stdout.trimEnd(),
      });

      const unknown = await wcli("graph", "nope");
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain(
        'error [WORKFLOW_NOT_FOUND]: workflow "nope" is not registered',
      );
      const version = await wcli("graph", "ops-order", "--version", "7");
      expect(version.code).toBe(1);
      expect(version.stderr).toContain('has no registered version "7" (registered: 1)');
    });

    it("cancel ends a run CANCELLED with the reason; a repeat is a no-op; an ended run is refused", async () => {
      const runId = await create();
      const cancelled = await wcli("cancel", runId, "--reason", "duplicate order", "--no-color");
      expect(cancelled).toMatchObject({ code: 0, stderr: "" });
      expect(cancelled.stdout).toBe(`cancelled run ${runId}\n`);
      expect((await stack.queries.getRun(runId))?.run).toMatchObject({
        status: "CANCELLED",
        error: { code: "CANCELLED", message: "duplicate order" },
      });
      const again = await wcli("cancel", runId, "--json");
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toEqual({
        workflowRunId: runId,
        status: "CANCELLED",
        cancelled: false,
      });

      const done = await completedRun();
      const refused = await wcli("cancel", done);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("error [ILLEGAL_STATE_TRANSITION]");
      const missing = await wcli("cancel", "no-such-run", "--json");
      expect(missing.code).toBe(1);
      expect(JSON.parse(missing.stderr).error).toMatchObject({ code: "RUN_NOT_FOUND" });
    });

    it("retry runs a failed run again from the failed stage; a run that did not fail is refused", async () => {
      const failed = await failedRun();
      const before = (await stack.queries.getRun(failed))?.stages.find(
        (s) => s.stageId === "reserve",
      );

      const done = await completedRun();
      const refused = await wcli("retry", done);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `error [RUN_NOT_FAILED]: run ${done} is COMPLETED: only a FAILED or TIMED_OUT run can be retried`,
      );
      expect(await statusOf(done)).toBe("COMPLETED");

      const retried = await wcli("retry", failed, "--json");
      expect(retried.code).toBe(0);
      expect(JSON.parse(retried.stdout)).toEqual({
        workflowRunId: failed,
        fromStageId: "charge",
        groupIndex: 1,
        jobIds: [expect.any(String)],
        previousStatus: "FAILED",
      });
      expect(await statusOf(failed)).toBe("RUNNING");
      expect((await driver.runToCompletion(failed)).status).toBe("COMPLETED");
      const after = (await stack.queries.getRun(failed))?.stages.find(
        (s) => s.stageId === "reserve",
      );
      expect(after).toEqual(before);

      const text = await wcli("retry", await failedRun(), "--no-color");
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(
        /^retrying \(was FAILED\) run \S+ from stage charge \(RUNNING, 1 job queued\)$/m,
      );
    });

    it("rerun --from runs a finished run again from the stage; --from is required", async () => {
      const runId = await completedRun();
      const rerun = await wcli("rerun", runId, "--from", "ship", "--no-color");
      expect(rerun.code).toBe(0);
      expect(rerun.stdout).toContain(
        `rerunning run ${runId} from stage ship (RUNNING, 1 job queued)`,
      );
      expect(await statusOf(runId)).toBe("RUNNING");
      expect((await driver.runToCompletion(runId)).status).toBe("COMPLETED");

      const missing = await wcli("rerun", runId);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('missing --from for "ratchet rerun"');
      const unknown = await wcli("rerun", runId, "--from", "nope");
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain("error [STAGE_NOT_FOUND]");
    });

    it("logs prints a run's stage logs, filtered by stage and level, as text or JSON lines", async () => {
      const runId = await completedRun();
      const all = await cli("logs", runId, "--no-color");
      expect(all.code).toBe(0);
      const shown = lines(all.stdout);
      expect(shown).toHaveLength(4);
      expect(shown[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z {2}DEBUG {2}reserve {7}stock checked$/);
      expect(shown[1]).toMatch(/ {2}INFO {3}reserve {7}reserved \{"sku":"A-1"\}$/);
      expect(shown[2]).toMatch(/ {2}WARN {3}charge {8}charging card$/);
      expect(shown[3]).toMatch(/ {2}INFO {3}ship {10}shipped$/);

      expect(lines((await cli("logs", runId, "--stage", "charge", "--quiet")).stdout)).toEqual([
        "charging card",
      ]);
      expect(lines((await cli("logs", runId, "--level", "info", "-q")).stdout)).toEqual([
        "reserved",
        "charging card",
        "shipped",
      ]);
      const json = jsonLines((await cli("logs", runId, "--json")).stdout);
      expect(json[1]).toEqual({
        id: expect.any(String),
        runId,
        stageId: "reserve",
        level: "info",
        message: "reserved",
        data: { sku: "A-1" },
        createdAt: expect.stringMatching(/Z$/),
      });

      const empty = await cli("logs", await create(), "--no-color");
      expect(empty).toMatchObject({ code: 0, stdout: "" });
      expect(empty.stderr).toContain("has no log lines");
      expect((await cli("logs", "no-such-run")).code).toBe(1);
      expect((await cli("logs", runId, "--level", "loud")).code).toBe(2);
      expect((await cli("logs", runId, "--follow", "--interval", "5")).code).toBe(2);
    });

    it("logs --follow prints lines as the stages write them and ends with the run", async () => {
      control().failCharge = false;
      const runId = await create();
      const follow = start(["logs", runId, "--follow", "--interval", "50", "--no-color"]);
      await driver.tick(); // claims the run and executes reserve
      await eventually(
        async () => (follow.io.stdout.text.includes("reserved") ? true : undefined),
        "the reserve step's line",
      );
      expect(follow.io.stdout.text).not.toContain("shipped");
      expect(await statusOf(runId)).toBe("RUNNING");
      await driver.runToCompletion(runId);
      expect(await follow.done).toBe(0);
      const text = follow.io.stdout.text;
      expect(text.match(/reserved/g)).toHaveLength(1);
      expect(lines(text).map((line) => line.split(/ {2,}/).at(-1))).toEqual([
        "stock checked",
        'reserved {"sku":"A-1"}',
        "charging card",
        "shipped",
      ]);
    });

    it("events shows the outbox; replay-dead-letters sends dead letters again, per run or all", async () => {
      const runId = await completedRun();
      const text = lines((await cli("events", runId, "--no-color")).stdout);
      expect(text[0]).toMatch(
        /^#1 {4}\S+Z {2}workflow\.created +published +\{"workflowId":"ops-order"/,
      );
      expect(text.at(-1)).toMatch(/ workflow\.completed +published /);
      const json = jsonLines((await cli("events", runId, "--json")).stdout);
      expect(json.map((e) => e.sequence)).toEqual(json.map((_, i) => i + 1));
      expect(json.every((e) => e.state === "published" && e.publishedAt !== null)).toBe(true);
      expect(json.at(-1)).toMatchObject({ type: "workflow.completed", deadLetteredAt: null });

      // Two runs whose events a consumer refused for good.
      const [a, b] = [await create(), await create()];
      const now = new Date();
      for (const id of [a, b])
        for (const event of await stack.queries.listEvents(id))
          await stack.persistence.recordOutboxFailure(event, {
            error: "consumer down",
            retryAt: now,
            deadLetter: true,
            now,
          });
      const dead = await cli("events", a, "--no-color");
      expect(dead.stdout).toMatch(/ {2}dead-lettered after 1 failed try: consumer down {2}\{/);
      const perRun = (await stack.queries.listEvents(a)).length;

      const replayed = await cli("replay-dead-letters", "--run", a, "--json");
      expect(replayed.code).toBe(0);
      expect(JSON.parse(replayed.stdout)).toEqual({ replayed: perRun });
      const states = async (id: string) =>
        jsonLines((await cli("events", id, "--json")).stdout).map((e) => e.state);
      expect(new Set(await states(a))).toEqual(new Set(["pending"]));
      expect(new Set(await states(b))).toEqual(new Set(["dead-lettered"]));
      const one = await cli("replay-dead-letters", "--limit", "1", "--no-color");
      expect(one.stdout).toBe("replayed 1 dead-lettered event; workers publish them again\n");
      const none = await cli("replay-dead-letters", "--run", a, "--no-color");
      expect(none.stdout).toBe(`no dead-lettered events of run ${a} to replay\n`);
      expect((await cli("replay-dead-letters", "--limit", "0")).code).toBe(2);
      expect((await cli("events", "no-such-run")).code).toBe(1);
    });

    it("events --follow prints events as they are written and ends with the run", async () => {
      control().failCharge = false;
      const runId = await create();
      const follow = start(["events", runId, "--follow", "--interval", "50", "--json"]);
      await eventually(
        async () => (follow.io.stdout.text.includes('"sequence":1') ? true : undefined),
        "the run's first event",
      );
      expect(follow.io.stdout.text).not.toContain("workflow.completed");
      await driver.runToCompletion(runId);
      expect(await follow.done).toBe(0);
      const printed = jsonLines(follow.io.stdout.text);
      expect(printed.some((e) => e.type === "workflow.completed")).toBe(true);
      expect(Math.max(...printed.map((e) => e.sequence))).toBe(
        (await stack.queries.listEvents(runId)).length,
      );
    });

    it("status --follow shows progress until the run ends, then its status; exit 0 or 1 by outcome", async () => {
      control().failCharge = false;
      const runId = await create();
      const follow = start(["status", runId, "--follow", "--interval", "50", "--no-color"]);
      await driver.tick();
      await eventually(
        async () => (/reserve\s+✓ completed/.test(follow.io.stdout.text) ? true : undefined),
        "reserve's progress line",
      );
      expect(follow.io.stdout.text).not.toMatch(/ship\s+✓ completed/);
      await driver.runToCompletion(runId);
      expect(await follow.done).toBe(0);
      const out = follow.io.stdout.text;
      expect(out).toMatch(/ship\s+✓ completed/);
      expect(out).toMatch(/✓ run completed in/);
      expect(out).toMatch(/^status\s+COMPLETED/m);

      control().failCharge = true;
      const failing = await create();
      const json = start(["status", failing, "--follow", "--interval", "50", "--json"]);
      await driver.runToCompletion(failing);
      control().failCharge = false;
      expect(await json.done).toBe(1);
      expect(JSON.parse(json.io.stdout.text).run).toMatchObject({ id: failing, status: "FAILED" });

      const live = start(["status", runId, "--follow", "--interval", "50"], true);
      expect(await live.done).toBe(0);
      expect(live.io.stdout.text).toContain("\u001b[0J");
      expect((await cli("status", "no-such-run", "--follow")).code).toBe(1);
    });

    it("runs filters by several statuses, parent run and creation time, with cursor paging", async () => {
      const failed = await failedRun();
      const cancelled = await create();
      await kernel.dispatch({ type: "run.cancel", workflowRunId: cancelled });
      const statuses = JSON.parse(
        (await cli("runs", "--status", "failed,CANCELLED", "--json")).stdout,
      );
      const ids = statuses.runs.map((r: { id: string }) => r.id);
      expect(ids).toEqual(expect.arrayContaining([failed, cancelled]));
      expect(
        statuses.runs.every((r: { status: string }) => ["FAILED", "CANCELLED"].includes(r.status)),
      ).toBe(true);

      const parentId = await create("ops-parent");
      await driver.runToCompletion(parentId);
      const children = JSON.parse((await cli("runs", "--parent", parentId, "--json")).stdout);
      expect(children.runs).toEqual([
        expect.objectContaining({
          workflowId: "ops-order",
          parentRunId: parentId,
          status: "COMPLETED",
        }),
      ]);

      const mark = new Date(Date.now() + 5);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const first = await create();
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await create();
      const since = ["--since", mark.toISOString()];
      const page = JSON.parse((await cli("runs", ...since, "--limit", "1", "--json")).stdout);
      expect(page.runs.map((r: { id: string }) => r.id)).toEqual([second]);
      const more = lines((await cli("runs", ...since, "--limit", "1", "--no-color")).stdout).at(-1);
      expect(more).toBe(
        `more: ratchet runs --since ${mark.toISOString()} --limit 1 --cursor ${page.nextCursor}`,
      );
      const next = JSON.parse(
        (await cli("runs", ...since, "--limit", "1", "--cursor", page.nextCursor, "--json")).stdout,
      );
      expect(next).toEqual({ runs: [expect.objectContaining({ id: first })], nextCursor: null });
      const until = JSON.parse(
        (await cli("runs", "--until", mark.toISOString(), "--limit", "1000", "--json")).stdout,
      );
      const before = until.runs.map((r: { id: string }) => r.id);
      expect(before).toContain(failed);
      expect(before).not.toContain(first);
      expect(before).not.toContain(second);
      const recent = JSON.parse((await cli("runs", "--since", "1h", "--json")).stdout);
      expect(recent.runs.map((r: { id: string }) => r.id)).toContain(second);

      const bad = await cli("runs", "--status", "FAILED,DONE");
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('got "DONE"');
      const badTime = await cli("runs", "--since", "yesterday");
      expect(badTime.code).toBe(2);
      expect(badTime.stderr).toContain('--since is not a time: "yesterday"');
    });
  });
}
