/**
 * `runQueriesConformance`: the shared test suite every {@link RunQueries} adapter must pass.
 *
 * @example
 * ```ts
 * runQueriesConformance({
 *   name: "in-memory",
 *   create: async () => {
 *     const { persistence, jobTransport, queries } = createInMemoryStack();
 *     return { persistence, jobTransport, queries, close: async () => {} };
 *   },
 * });
 * ```
 */
import { describe, expect, it } from "vitest";
import type { JobTransport } from "../../ports/job-transport.js";
import type { Persistence } from "../../ports/persistence/index.js";
import type { RunQueries } from "../../ports/run-queries.js";
import type { RunRecord } from "../../records.js";
import { jobBuilder } from "./job-transport-fixture.js";
import { buildEvent, buildLog, buildRun, buildStage } from "./persistence-fixture.js";
import {
  at,
  type ConformanceFixture,
  type ConformanceOptions,
  uniqueId,
  useFixture,
} from "./shared.js";

/**
 * What `runQueriesConformance` tests: queries, a persistence and a job transport over the same
 * empty store.
 */
export interface RunQueriesFixture extends ConformanceFixture {
  persistence: Persistence;
  /** The transport whose jobs `listJobs` reads. */
  jobTransport: JobTransport;
  queries: RunQueries;
}

/** Options of `runQueriesConformance`. */
export type RunQueriesConformanceOptions = ConformanceOptions<RunQueriesFixture>;

/**
 * Registers the run-queries conformance tests (vitest): newest-first listing with filters
 * (status, workflow, parent run) and cursors, a run with its stages, logs, events and jobs. Call it
 * at the top level of a test file.
 */
export function runQueriesConformance(options: RunQueriesConformanceOptions): void {
  describe(`${options.name}: run queries conformance`, () => {
    const fixture = useFixture(options);

    /** Creates `count` runs of one new workflow, one millisecond apart; oldest first. */
    const createRuns = async (count: number, status?: RunRecord["status"]) => {
      const { persistence } = fixture();
      const workflowId = uniqueId("wf");
      const runs: RunRecord[] = [];
      for (let i = 0; i < count; i++) {
        const run = await persistence.createRun(buildRun({ workflowId, createdAt: at(1_000 + i) }));
        runs.push(
          status === undefined
            ? run
            : ((await persistence.updateRun(run.id, { status }, { now: at(2_000) })) as RunRecord),
        );
      }
      return { workflowId, runs };
    };

    it("lists runs newest first, filtered by workflow", async () => {
      const { queries } = fixture();
      const { workflowId, runs } = await createRuns(4);
      await createRuns(2);
      const page = await queries.listRuns({ workflowId });
      expect(page.runs.map((r) => r.id)).toEqual(runs.map((r) => r.id).reverse());
      expect(page.nextCursor).toBeNull();
      expect(page.runs[0]).toEqual(await fixture().persistence.getRun(runs[3]?.id as string));
    });

    it("breaks creation-time ties by id, newest id first", async () => {
      const { queries, persistence } = fixture();
      const workflowId = uniqueId("wf");
      const ids = ["run-tie-a", "run-tie-b", "run-tie-c"].map((id) => uniqueId(id));
      for (const id of ids)
        await persistence.createRun(buildRun({ id, workflowId, createdAt: at(5) }));
      const page = await queries.listRuns({ workflowId });
      expect(page.runs.map((r) => r.id)).toEqual([...ids].sort().reverse());
    });

    it("filters by one status or several", async () => {
      const { queries, persistence } = fixture();
      const { workflowId, runs } = await createRuns(3);
      const [first, second] = runs as [RunRecord, RunRecord, RunRecord];
      await persistence.updateRun(first.id, { status: "FAILED" }, { now: at(3_000) });
      await persistence.updateRun(second.id, { status: "COMPLETED" }, { now: at(3_000) });
      const failed = await queries.listRuns({ workflowId, status: "FAILED" });
      expect(failed.runs.map((r) => r.id)).toEqual([first.id]);
      const ended = await queries.listRuns({ workflowId, status: ["FAILED", "COMPLETED"] });
      expect(ended.runs.map((r) => r.id)).toEqual([second.id, first.id]);
      expect((await queries.listRuns({ workflowId, status: [] })).runs).toEqual([]);
    });

    it("filters by parent run: the children a run started, newest first", async () => {
      const { queries, persistence } = fixture();
      const parent = await persistence.createRun(buildRun({ createdAt: at(1_000) }));
      const other = await persistence.createRun(buildRun({ createdAt: at(1_000) }));
      const children = [];
      for (let i = 0; i < 3; i++)
        children.push(
          await persistence.createRun(
            buildRun({ parentRunId: parent.id, createdAt: at(2_000 + i) }),
          ),
        );
      await persistence.createRun(buildRun({ parentRunId: other.id, createdAt: at(2_500) }));
      const page = await queries.listRuns({ parentRunId: parent.id });
      expect(page.runs.map((r) => r.id)).toEqual(children.map((r) => r.id).reverse());
      expect(page.runs.every((r) => r.parentRunId === parent.id)).toBe(true);
      const first = await queries.listRuns({ parentRunId: parent.id, limit: 2 });
      const rest = await queries.listRuns({
        parentRunId: parent.id,
        limit: 2,
        cursor: first.nextCursor as string,
      });
      expect([...first.runs, ...rest.runs].map((r) => r.id)).toEqual(
        children.map((r) => r.id).reverse(),
      );
      expect(rest.nextCursor).toBeNull();
      expect((await queries.listRuns({ parentRunId: children[0]?.id as string })).runs).toEqual([]);
    });

    it("pages through every run once with the cursor, even while runs are created", async () => {
      const { queries, persistence } = fixture();
      const { workflowId, runs } = await createRuns(7);
      const seen: string[] = [];
      let cursor: string | null | undefined;
      let pages = 0;
      do {
        const page = await queries.listRuns({
          workflowId,
          limit: 3,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.runs.map((r) => r.id));
        cursor = page.nextCursor;
        pages++;
        // A newer run created between pages belongs before the first page, not in a later one.
        if (pages === 1)
          await persistence.createRun(buildRun({ workflowId, createdAt: at(9_000) }));
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(runs.map((r) => r.id).reverse());
    });

    it("a full last page has no next cursor only when no run follows", async () => {
      const { queries } = fixture();
      const { workflowId } = await createRuns(4);
      const first = await queries.listRuns({ workflowId, limit: 2 });
      expect(first.nextCursor).not.toBeNull();
      const second = await queries.listRuns({
        workflowId,
        limit: 2,
        cursor: first.nextCursor as string,
      });
      expect(second.runs).toHaveLength(2);
      expect(second.nextCursor).toBeNull();
    });

    it("refuses a malformed cursor or limit with INVALID_QUERY", async () => {
      const { queries } = fixture();
      await expect(queries.listRuns({ cursor: "not a cursor" })).rejects.toMatchObject({
        code: "INVALID_QUERY",
        field: "cursor",
      });
      for (const limit of [0, -1, 1.5, 1_000_001]) {
        await expect(queries.listRuns({ limit })).rejects.toMatchObject({
          code: "INVALID_QUERY",
          field: "limit",
        });
      }
    });

    it("getRun returns the run with its stages in group order; null when missing", async () => {
      const { queries, persistence } = fixture();
      const run = await persistence.createRun(buildRun());
      await persistence.createStages([
        buildStage(run.id, "publish", 1, 10),
        buildStage(run.id, "fetch", 0, 5),
      ]);
      const details = await queries.getRun(run.id);
      expect(details?.run).toEqual(run);
      expect(details?.stages.map((s) => s.stageId)).toEqual(["fetch", "publish"]);
      expect(details?.stages).toEqual(await persistence.listStages(run.id));
      expect(await queries.getRun(uniqueId("missing"))).toBeNull();
    });

    it("lists a run's logs oldest first and its events in sequence", async () => {
      const { queries, persistence } = fixture();
      const run = await persistence.createRun(buildRun());
      const other = await persistence.createRun(buildRun());
      await persistence.appendLogs([
        buildLog(run.id, 20, "second"),
        buildLog(run.id, 10, "first"),
        buildLog(other.id, 15, "other run"),
      ]);
      await persistence.appendOutboxEvents([
        buildEvent(run.id, 2, 20),
        buildEvent(run.id, 1, 10),
        buildEvent(other.id, 1, 10),
      ]);
      expect((await queries.listLogs(run.id)).map((l) => l.message)).toEqual(["first", "second"]);
      expect((await queries.listEvents(run.id)).map((e) => e.sequence)).toEqual([1, 2]);
      expect(await queries.listLogs(uniqueId("missing"))).toEqual([]);
      expect(await queries.listEvents(uniqueId("missing"))).toEqual([]);
    });

    it("lists every job of a run oldest first, whatever its status, with its lease", async () => {
      const { queries, jobTransport, persistence } = fixture();
      const jobs = jobBuilder(persistence);
      const runId = await jobs.run();
      const otherRunId = await jobs.run();
      const first = jobs.job(runId, { stageId: "fetch", availableAt: at(1_000) });
      const second = jobs.job(runId, { stageId: "publish", availableAt: at(2_000) });
      await jobTransport.enqueue([first]);
      await jobTransport.enqueue([second, jobs.job(otherRunId, { availableAt: at(5_000) })]);
      // The first one runs and fails for a retry; the second one is leased and renewed.
      const [taken] = await jobTransport.dequeue({
        workerId: "w-1",
        limit: 1,
        leaseMs: 30_000,
        now: at(3_000),
      });
      expect(taken?.jobId).toBe(first.jobId);
      await jobTransport.fail(
        { jobId: first.jobId, attempt: 1 },
        {
          error: { code: "BOOM", message: "boom", stack: "Error: boom\n    at f (a.ts:1:1)" },
          retryAt: at(9_000),
          now: at(3_500),
        },
      );
      const [leased] = await jobTransport.dequeue({
        workerId: "w-2",
        limit: 1,
        leaseMs: 30_000,
        now: at(4_000),
      });
      expect(leased?.jobId).toBe(second.jobId);
      await jobTransport.renewLeases([second.jobId], "w-2", 30_000, at(6_000));

      const listed = await queries.listJobs(runId);
      expect(listed.map((j) => j.jobId)).toEqual([first.jobId, second.jobId]);
      expect(listed[0]).toMatchObject({
        status: "PENDING",
        attempt: 1,
        availableAt: at(9_000),
        lastError: { code: "BOOM", message: "boom", stack: "Error: boom\n    at f (a.ts:1:1)" },
        lockedBy: null,
      });
      // The heartbeat's age is now - updatedAt: the renewal set it.
      expect(listed[1]).toMatchObject({
        status: "RUNNING",
        attempt: 1,
        lockedBy: "w-2",
        lockedUntil: at(36_000),
        updatedAt: at(6_000),
      });
      expect(listed).toEqual([
        await jobTransport.getJob(first.jobId),
        await jobTransport.getJob(second.jobId),
      ]);
      expect(await queries.listJobs(uniqueId("missing"))).toEqual([]);
    });

    it("getBreaker and listBreakers (when offered) read the breakers the persistence wrote", async () => {
      const { persistence, queries } = fixture();
      if (!queries.getBreaker || !queries.listBreakers) return;
      const name = uniqueId("breaker");
      expect(await queries.getBreaker(name)).toBeNull();
      await persistence.withTransaction(async (tx) => {
        const breaker = await tx.lockBreaker(name, at(1_000));
        await tx.saveBreaker({
          ...breaker,
          state: "OPEN",
          failures: [at(900), at(1_000)],
          openedAt: at(1_000),
          openedFailures: 2,
          halfOpenAt: at(31_000),
          lastError: { code: "UPSTREAM", message: "503" },
        });
      });
      const written = await persistence.getBreaker(name);
      expect(written?.state).toBe("OPEN");
      expect(await queries.getBreaker(name)).toEqual(written);
      expect((await queries.listBreakers()).find((b) => b.name === name)).toEqual(written);
    });
  });
}
