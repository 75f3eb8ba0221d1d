/**
 * `status` (live stage state, attempts of max, lease and heartbeat, next retry, earlier
 * attempts' errors with their stack, `--timeline`) and `explain` — the built CLI as a child
 * process on a real database holding runs of test/fixtures/inspect.mjs, brought to their state
 * by a kernel in this process. Registered by the SQLite and PostgreSQL test files.
 */
import { tmpdir } from "node:os";
import type { AnyWorkflow } from "@ratchet/kernel";
import { createDriver } from "@ratchet/kernel/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommandKernel } from "../../src/runtime/command-kernel.js";
import { runCli } from "./cli.js";
import type { CliTestDatabase, CreateCliTestDatabase } from "./databases.js";
import { fixture, fixtureWorkflows } from "./order-runs.js";

const WORKFLOWS = fixture("inspect.mjs");

/** Registers the suite on the database `createDatabase` makes (one for the whole file). */
export function inspectSuite(name: string, createDatabase: CreateCliTestDatabase): void {
  describe(name, () => {
    let db: CliTestDatabase;
    const ids = { pending: "", running: "", retrying: "", failed: "" };
    const cli = (...args: string[]) =>
      runCli([...args, "--database-url", db.url, "--workflows", WORKFLOWS, "--no-color"], {
        cwd: tmpdir(),
      });

    /** `ratchet explain` needs no workflows: it reads the run alone. */
    const explain = (...args: string[]) =>
      runCli(["explain", ...args, "--database-url", db.url, "--no-color"], { cwd: tmpdir() });

    beforeAll(async () => {
      const workflows: AnyWorkflow[] = await fixtureWorkflows("inspect.mjs");
      db = await createDatabase();
      const stack = await db.open();
      try {
        const kernel = createCommandKernel(stack, workflows);
        const create = async (workflowId: string) =>
          (await kernel.dispatch({ type: "run.create", workflowId, input: {} })).workflowRunId;
        // A run nobody claims (created after the others are claimed).
        ids.running = await create("insp-slow");
        ids.retrying = await create("insp-flaky");
        ids.failed = await create("insp-fail");
        const driver = createDriver({
          kernel,
          jobTransport: stack.jobTransport,
          persistence: stack.persistence,
          clock: { now: () => new Date(), advance: () => {} },
        });
        // The slow run's job is leased to "w-test" and never executed: a stage running elsewhere.
        await kernel.dispatch({ type: "run.claimPending", workerId: "w-test" });
        const leased = await stack.jobTransport.dequeue({
          workerId: "w-test",
          limit: 3,
          leaseMs: 600_000,
          now: new Date(),
        });
        const slowJob = leased.find((job) => job.workflowRunId === ids.running);
        // Whatever else the dequeue took runs now.
        for (const job of leased)
          if (job !== slowJob)
            await kernel.dispatch({ type: "job.execute", workerId: "w-test", job });
        for (let i = 0; i < 20; i++) {
          const failed = await stack.persistence.getRun(ids.failed);
          if (failed?.status === "FAILED") break;
          await driver.tick();
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        if (slowJob === undefined) throw new Error("the slow run's job was not leased");
        ids.pending = await create("insp-slow");
      } finally {
        await stack.close();
      }
    });
    afterAll(async () => {
      await db?.cleanup();
    });

    it("status shows a leased stage RUNNING with its worker and heartbeat, attempt of max", async () => {
      const { code, stdout } = await cli("status", ids.running);
      expect(code).toBe(0);
      expect(stdout).toMatch(
        /^ {2}… work {2}RUNNING {5}attempt 1\/3 {2}on w-test \(heartbeat [\d.]+ (ms|s) ago\)$/m,
      );
      expect(stdout).toMatch(/^ {10}started /m);
      const json = JSON.parse((await cli("status", ids.running, "--json")).stdout);
      expect(json.stages[0].status).toBe("PENDING"); // the record, untouched while it runs
      expect(json.inspection.stages[0]).toMatchObject({
        stageId: "work",
        state: "RUNNING",
        attempt: 1,
        maxAttempts: 3,
        lease: { workerId: "w-test", expired: false },
      });
      expect(json.inspection.stages[0].lease.heartbeatAgeMs).toBeGreaterThanOrEqual(0);
    });

    it("status shows a retry's wait and the failed attempt's error with its stack", async () => {
      const { stdout } = await cli("status", ids.retrying);
      expect(stdout).toMatch(/^ {2}↻ fetch {2}RETRY_WAIT {2}attempt 1\/3$/m);
      expect(stdout).toMatch(/^ {11}next retry at \S+ \S+ \(in (9|10) min \d+ s\)$/m);
      expect(stdout).toContain("attempt 1 failed after");
      expect(stdout).toContain("[STAGE_ERROR] upstream timeout on attempt 1");
      // The first frame of the stack, where the fixture threw.
      expect(stdout).toMatch(/^ {13}at .*inspect\.mjs:\d+:\d+\)?$/m);
      const json = JSON.parse((await cli("status", ids.retrying, "--json")).stdout);
      const stage = json.inspection.stages[0];
      expect(stage.state).toBe("RETRY_WAIT");
      expect(stage.attempts[0].error.stack.split("\n").length).toBeLessThanOrEqual(10);
      expect(stage.attempts[0].error.stack).toMatch(/^at /);
    });

    it("status keeps every attempt's error; --timeline lists each attempt with its duration", async () => {
      const json = JSON.parse((await cli("status", ids.failed, "--json")).stdout);
      expect(json.run.status).toBe("FAILED");
      expect(
        json.inspection.stages[0].attempts.map(
          (a: { attempt: number; error: { message: string } }) => [a.attempt, a.error.message],
        ),
      ).toEqual([
        [1, "upstream timeout on attempt 1"],
        [2, "upstream timeout on attempt 2"],
      ]);
      const { stdout } = await cli("status", ids.failed, "--timeline");
      expect(stdout).toContain("attempt 1 failed after");
      expect(stdout).toContain("attempt 2 failed after");
      const timeline = stdout.slice(stdout.indexOf("\ntimeline\n"));
      const lines = timeline.trim().split("\n").slice(1);
      expect(lines[0]).toMatch(/^ {2}\+0 ms +run created \(pending\)$/);
      expect(lines.some((l) => /^ {2}\+\S+ \S+ +run started by w-test$/.test(l))).toBe(true);
      expect(
        lines.some((l) =>
          /stage "call" attempt 1 failed: STAGE_ERROR upstream timeout on attempt 1; attempt 2 of 2 at /.test(
            l,
          ),
        ),
      ).toBe(true);
      expect(
        lines.some((l) =>
          /stage "call" attempt 2 failed: STAGE_ERROR upstream timeout on attempt 2 \(no retry left\)$/.test(
            l,
          ),
        ),
      ).toBe(true);
      expect(lines[lines.length - 1]).toMatch(
        /run failed: STAGE_ERROR upstream timeout on attempt 2$/,
      );
    });

    it("explain: a run waiting to be claimed names the definition a worker must have", async () => {
      const { code, stdout } = await explain(ids.pending);
      expect(code).toBe(0);
      const [summary, blank, ...facts] = stdout.trimEnd().split("\n");
      expect(summary).toMatch(
        new RegExp(
          `^Run ${ids.pending} waits to be claimed by a worker that has workflow "insp-slow" at version \\S+ \\(fingerprint \\S+\\); workers claim only runs of definitions they register\\.$`,
        ),
      );
      expect(blank).toBe("");
      expect(facts).toContain("  reason           worker");
      expect(facts.some((l) => /^ {2}workflowId +insp-slow$/.test(l))).toBe(true);
    });

    it("explain: a running stage, a retry and an ended run; --json has the inspection", async () => {
      expect((await explain(ids.running)).stdout).toMatch(
        /is running stage "work" attempt 1 of 3 on worker w-test \(lease held until \S+, last heartbeat [\d.]+ (ms|s) ago\)\./,
      );
      expect((await explain(ids.retrying)).stdout).toMatch(
        /waits to retry stage "fetch": attempt 2 of 3 at \S+ \(in (9|10) min( \d+ s)?\), after attempt 1 failed with STAGE_ERROR upstream timeout on attempt 1\./,
      );
      const ended = await explain(ids.failed, "--json");
      expect(ended.code).toBe(0);
      const json = JSON.parse(ended.stdout);
      expect(json.summary).toMatch(
        / failed at \S+ after \S+ (ms|s) at stage "call" after 2 attempts: STAGE_ERROR upstream timeout on attempt 2\.$/,
      );
      expect(json.facts).toMatchObject({
        runId: ids.failed,
        status: "FAILED",
        reason: "ended",
        errorCode: "STAGE_ERROR",
      });
      expect(json.inspection.run.id).toBe(ids.failed);
      expect(json.inspection.timeline.length).toBeGreaterThan(3);
    });

    it("explain of an unknown run is RUN_NOT_FOUND, exit 1", async () => {
      const { code, stderr } = await explain("no-such-run");
      expect(code).toBe(1);
      expect(stderr).toContain("RUN_NOT_FOUND");
    });
  });
}
