/**
 * Route keys as the adapters store them: written with a run and with its jobs, moved by a patch
 * of the run's version or fingerprint, written for a run stored before versions (route `''`)
 * when it is started again, and honoured by every route-filtered read (claims of runs, jobs and
 * suspended stages, `listRuns`), including the concurrency-keyed claim.
 */
import type { NewJob, NewRun } from "@ratchet/kernel";
import { routeKey } from "@ratchet/kernel/adapter";
import { describe, expect, it } from "vitest";
import type { DatabaseProvider } from "../../src/provider.js";
import { useStack } from "./stacks.js";

/** The route key of workflow `id` at `version` with `fingerprint` (as the kernel computes it). */
const rk = (workflowId: string, workflowVersion: string, fingerprint: string) =>
  routeKey({ workflowId, workflowVersion, fingerprint });

const T0 = new Date("2026-01-01T00:00:00Z");
const later = (ms: number) => new Date(T0.getTime() + ms);

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

function newRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    id: unique("run"),
    workflowId: "wf",
    workflowVersion: "1",
    fingerprint: "aaa",
    priority: 0,
    input: { n: 1 },
    config: {},
    metadata: {},
    idempotencyKey: null,
    eventSeq: 0,
    createdAt: T0,
    ...overrides,
  };
}

function newJob(route: string, overrides: Partial<NewJob> = {}): NewJob {
  return {
    jobId: unique("job"),
    workflowRunId: "r",
    workflowId: "wf",
    route,
    stageId: "s",
    priority: 0,
    maxAttempts: 3,
    payload: {},
    availableAt: T0,
    ...overrides,
  };
}

/** Registers the route tests for `provider` (one database for the file). */
export function registerRouteTests(provider: DatabaseProvider): void {
  const harness = useStack(provider, `routes_${provider}`);
  const routeOf = async (runId: string) => {
    const [row] = await harness().reader.read("SELECT route FROM ratchet_runs WHERE id = $1", [
      runId,
    ]);
    return row?.route;
  };

  describe(`route keys on ${provider}`, () => {
    it("stores a run's route key and its version and fingerprint; a job's route", async () => {
      await harness().truncate();
      const { persistence, jobTransport } = harness().stack;
      const versioned = await persistence.createRun(newRun());
      const legacy = await persistence.createRun(newRun({ workflowVersion: "", fingerprint: "" }));
      expect(versioned).toMatchObject({ workflowVersion: "1", fingerprint: "aaa" });
      expect(await persistence.getRun(versioned.id)).toMatchObject({
        workflowVersion: "1",
        fingerprint: "aaa",
      });
      expect(await persistence.getRun(legacy.id)).toMatchObject({
        workflowVersion: "",
        fingerprint: "",
      });
      expect(await routeOf(versioned.id)).toBe(rk("wf", "1", "aaa"));
      expect(await routeOf(legacy.id)).toBe("wf");

      const job = newJob(rk("wf", "1", "aaa"));
      await jobTransport.enqueue([job]);
      expect(await jobTransport.getJob?.(job.jobId)).toMatchObject({ route: rk("wf", "1", "aaa") });
    });

    it("a patch of version and fingerprint (and input) moves the run to the new route", async () => {
      await harness().truncate();
      const { persistence } = harness().stack;
      const run = await persistence.createRun(newRun());
      const moved = await persistence.updateRun(
        run.id,
        { workflowVersion: "2", fingerprint: "bbb", input: { n: 2 } },
        { expectedVersion: 1, now: later(1) },
      );
      expect(moved).toMatchObject({ workflowVersion: "2", fingerprint: "bbb", input: { n: 2 } });
      expect(await routeOf(run.id)).toBe(rk("wf", "2", "bbb"));
      expect(
        await persistence.claimPendingRuns({ limit: 5, now: T0, routes: [rk("wf", "1", "aaa")] }),
      ).toEqual([]);
      const [claimed] = await persistence.claimPendingRuns({
        limit: 5,
        now: T0,
        routes: [rk("wf", "2", "bbb")],
      });
      expect(claimed).toMatchObject({ id: run.id, workflowVersion: "2", input: { n: 2 } });

      // Held back with the transaction's other writes on PostgreSQL; one column at a time.
      await persistence.withTransaction(async (tx) => {
        const locked = await tx.getRun(run.id, { forUpdate: true });
        expect(tx.updateLockedRun).toBeTypeOf("function");
        await tx.updateLockedRun?.(
          run.id,
          { fingerprint: "" },
          { expectedVersion: locked?.version ?? 0, now: later(2) },
        );
      });
      expect(await routeOf(run.id)).toBe("wf");
      await persistence.updateRun(run.id, { fingerprint: "ccc" }, { now: later(3) });
      expect(await routeOf(run.id)).toBe(rk("wf", "2", "ccc"));
      await persistence.updateRun(run.id, { workflowVersion: "3" }, { now: later(4) });
      expect(await routeOf(run.id)).toBe(rk("wf", "3", "ccc"));
      expect(
        await persistence.listRuns({ status: "RUNNING", routes: [rk("wf", "3", "ccc")], limit: 5 }),
      ).toMatchObject([{ id: run.id, workflowVersion: "3", fingerprint: "ccc" }]);
    });

    it("a run stored before versions that had finished (route '') gets its key when started again", async () => {
      await harness().truncate();
      const { persistence, prisma } = harness().stack;
      const run = await persistence.createRun(newRun({ workflowVersion: "", fingerprint: "" }));
      // What migration 0006 leaves for a run that was over when it ran.
      await prisma.$executeRawUnsafe(
        `UPDATE ratchet_runs SET status = 'COMPLETED', route = '' WHERE id = '${run.id}'`,
      );
      expect(await persistence.listRuns({ routes: ["wf"], limit: 5 })).toEqual([]);
      await persistence.updateRun(run.id, { status: "RUNNING" }, { now: later(1) });
      expect(await routeOf(run.id)).toBe("wf");
      expect(await persistence.listRuns({ routes: ["wf"], limit: 5 })).toMatchObject([
        { id: run.id, status: "RUNNING" },
      ]);
    });

    it("claims only runs of the given routes, highest priority then oldest, none for no routes", async () => {
      await harness().truncate();
      const { persistence } = harness().stack;
      const a1 = await persistence.createRun(newRun({ priority: 1, createdAt: later(3) }));
      const a2 = await persistence.createRun(newRun({ createdAt: later(1) }));
      const b = await persistence.createRun(newRun({ fingerprint: "", createdAt: later(2) }));
      const other = await persistence.createRun(newRun({ workflowId: "x", priority: 9 }));
      expect(await persistence.claimPendingRuns({ limit: 5, now: T0, routes: [] })).toEqual([]);
      const claimed = await persistence.claimPendingRuns({
        limit: 5,
        now: T0,
        routes: ["wf", rk("wf", "1", "aaa"), rk("wf", "1", "aaa"), "nobody"],
      });
      expect(claimed.map((run) => run.id)).toEqual([a1.id, a2.id, b.id]);
      expect((await persistence.getRun(other.id))?.status).toBe("PENDING");
      const limited = await persistence.claimPendingRuns({
        limit: 1,
        now: T0,
        routes: [rk("x", "1", "aaa")],
      });
      expect(limited.map((run) => run.id)).toEqual([other.id]);
    });

    it("the concurrency-keyed claim takes only runs of the given routes, within each key's limit", async () => {
      await harness().truncate();
      const { persistence } = harness().stack;
      const ours = [0, 1, 2].map((i) =>
        newRun({ concurrencyKey: "k", createdAt: later(i + 10), priority: 0 }),
      );
      const theirs = [0, 1].map((i) =>
        newRun({ fingerprint: "zzz", concurrencyKey: `t${i}`, createdAt: later(i), priority: 5 }),
      );
      for (const run of [...ours, ...theirs]) await persistence.createRun(run);
      const free = await persistence.createRun(newRun({ createdAt: later(20) }));
      const claimed = await persistence.claimPendingRuns({
        limit: 10,
        now: T0,
        routes: [rk("wf", "1", "aaa")],
        concurrency: () => 2,
      });
      expect(claimed.map((run) => run.id).sort()).toEqual(
        [free.id, ours[0]?.id, ours[1]?.id].sort(),
      );
      for (const run of theirs) expect((await persistence.getRun(run.id))?.status).toBe("PENDING");
    });

    it("dequeue and claimJob take only jobs of the given routes", async () => {
      await harness().truncate();
      const { jobTransport } = harness().stack;
      const mine = newJob(rk("wf", "1", "aaa"), { priority: 1 });
      const legacy = newJob("wf");
      const theirs = newJob(rk("wf", "2", "bbb"), { priority: 9 });
      const direct = newJob(rk("wf", "1", "aaa"));
      await jobTransport.enqueue([mine, legacy, theirs, direct]);
      const options = { workerId: "w", limit: 10, leaseMs: 60_000, now: T0 };
      expect(await jobTransport.dequeue({ ...options, routes: [] })).toEqual([]);
      expect(await jobTransport.claimJob?.(direct.jobId, { ...options, routes: ["wf"] })).toBe(
        null,
      );
      expect(
        await jobTransport.claimJob?.(direct.jobId, { ...options, routes: [rk("wf", "1", "aaa")] }),
      ).toMatchObject({ jobId: direct.jobId, attempt: 1 });
      const taken = await jobTransport.dequeue({
        ...options,
        routes: ["wf", rk("wf", "1", "aaa")],
      });
      expect(taken.map((job) => job.jobId)).toEqual([mine.jobId, legacy.jobId]);
      expect(await jobTransport.getJob?.(theirs.jobId)).toMatchObject({ status: "PENDING" });
    });

    it("claims suspended stages only of runs of the given routes", async () => {
      await harness().truncate();
      const { persistence } = harness().stack;
      const suspend = async (run: NewRun) => {
        await persistence.createRun(run);
        const id = unique("stage");
        await persistence.createStages([
          { id, runId: run.id, stageId: "wait", groupIndex: 0, createdAt: T0 },
        ]);
        await persistence.updateStage(
          id,
          { status: "SUSPENDED", nextPollAt: T0, suspendedState: {} },
          { now: T0 },
        );
        return id;
      };
      const mine = await suspend(newRun());
      const theirs = await suspend(newRun({ fingerprint: "bbb" }));
      const options = { now: later(1), limit: 10, leaseMs: 1_000 };
      expect(await persistence.claimSuspendedStages({ ...options, routes: [] })).toEqual([]);
      const claimed = await persistence.claimSuspendedStages({
        ...options,
        routes: [rk("wf", "1", "aaa")],
      });
      expect(claimed.map((stage) => stage.id)).toEqual([mine]);
      const rest = await persistence.claimSuspendedStages(options);
      expect(rest.map((stage) => stage.id)).toEqual([theirs]);
    });
  });
}
