/**
 * Race tests: several connections (separate clients, as separate worker processes would have)
 * claim pending runs and dequeue jobs at once. Every run and job must be taken exactly once,
 * with no deadlock and nothing lost.
 */
import type { NewJob, NewRun } from "@ratchet/kernel";
import { routeKey } from "@ratchet/kernel/adapter";
import { describe, expect, it } from "vitest";
import type { PrismaStack } from "../../src/index.js";
import type { DatabaseProvider } from "../../src/provider.js";
import type { RawReader } from "./backdoor.js";
import { useStack } from "./stacks.js";

/** The route key of workflow `id` at `version` with `fingerprint` (as the kernel computes it). */
const rk = (workflowId: string, workflowVersion: string, fingerprint: string) =>
  routeKey({ workflowId, workflowVersion, fingerprint });

const T0 = new Date("2026-01-01T00:00:00Z");

/** The ports the races use. */
type RaceStack = Pick<PrismaStack, "persistence" | "jobTransport">;

/** What the races need of a database: a stack, a raw reader, emptying, more stacks on it. */
export interface RaceHarness {
  stack: RaceStack;
  reader: RawReader;
  truncate(): Promise<void>;
  open(): Promise<RaceStack>;
}

/**
 * Registers the race tests for `provider` with `connections` competing clients (stacks opened
 * through `harness`, default: {@link useStack}'s).
 */
export function registerRaces(
  provider: DatabaseProvider | "d1",
  connections: number,
  runs: number,
  jobs: number,
  harness: () => RaceHarness = useStack(provider as DatabaseProvider, `races_${provider}`),
): void {
  async function competitors(): Promise<RaceStack[]> {
    const h = harness();
    await h.truncate();
    return Promise.all(Array.from({ length: connections }, () => h.open()));
  }

  describe(`races on ${provider} (${connections} connections)`, () => {
    it(`${connections} concurrent claimers over ${runs} pending runs claim each exactly once`, async () => {
      const stacks = await competitors();
      const { persistence } = harness().stack;
      const created: NewRun[] = Array.from({ length: runs }, (_, i) => ({
        id: `run-${String(i).padStart(5, "0")}`,
        workflowId: "race",
        workflowVersion: "1",
        fingerprint: "",
        priority: i % 3,
        input: { i },
        config: {},
        metadata: {},
        idempotencyKey: null,
        eventSeq: 0,
        createdAt: new Date(T0.getTime() + i),
      }));
      await persistence.withTransaction(async (tx) => {
        for (const run of created) await tx.createRun(run);
      });

      const claimedBy = await Promise.all(
        stacks.map(async (stack) => {
          const mine: string[] = [];
          for (;;) {
            const batch = await stack.persistence.claimPendingRuns({ limit: 7, now: T0 });
            if (batch.length === 0) return mine;
            mine.push(...batch.map((run) => run.id));
          }
        }),
      );
      const all = claimedBy.flat();
      expect(all).toHaveLength(runs);
      expect(new Set(all).size).toBe(runs);
      if (provider === "postgresql")
        expect(claimedBy.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
      const [row] = await harness().reader.read(
        "SELECT count(*) AS n FROM ratchet_runs WHERE status = 'RUNNING'",
      );
      expect(Number(row?.n)).toBe(runs);
    });

    it(`${connections} concurrent dequeuers over ${jobs} jobs take each exactly once, and none is lost`, async () => {
      const stacks = await competitors();
      const { jobTransport } = harness().stack;
      const enqueued: NewJob[] = Array.from({ length: jobs }, (_, i) => ({
        jobId: `job-${String(i).padStart(5, "0")}`,
        workflowRunId: `run-${i % 50}`,
        workflowId: "race",
        route: "race",
        stageId: "s",
        priority: i % 4,
        maxAttempts: 3,
        payload: { i },
        availableAt: T0,
      }));
      await jobTransport.enqueue(enqueued);

      const takenBy = await Promise.all(
        stacks.map(async (stack, worker) => {
          const mine: string[] = [];
          for (;;) {
            const batch = await stack.jobTransport.dequeue({
              workerId: `w${worker}`,
              limit: 10,
              leaseMs: 60_000,
              now: T0,
            });
            if (batch.length === 0) return mine;
            for (const job of batch) {
              mine.push(job.jobId);
              expect(await stack.jobTransport.complete(job, T0)).toBe(true);
            }
          }
        }),
      );
      const all = takenBy.flat();
      expect(all).toHaveLength(jobs);
      expect(new Set(all).size).toBe(jobs);
      const rows = await harness().reader.read(
        "SELECT status, count(*) AS n, max(attempt) AS a FROM ratchet_jobs GROUP BY status",
      );
      expect(rows.map((r) => [r.status, Number(r.n), Number(r.a)])).toEqual([
        ["COMPLETED", jobs, 1],
      ]);
    });

    it(`${connections} concurrent claimers naming two of three routes claim each of their runs once and leave the third route's alone`, async () => {
      const stacks = await competitors();
      const { persistence } = harness().stack;
      const created: NewRun[] = Array.from({ length: runs }, (_, i) => ({
        id: `run-${String(i).padStart(5, "0")}`,
        workflowId: `race-${i % 3}`,
        workflowVersion: "2",
        fingerprint: i % 3 === 0 ? "" : "f00d",
        priority: i % 2,
        input: { i },
        config: {},
        metadata: {},
        idempotencyKey: null,
        eventSeq: 0,
        createdAt: new Date(T0.getTime() + i),
      }));
      await persistence.withTransaction(async (tx) => {
        for (const run of created) await tx.createRun(run);
      });
      const routes = ["race-0", rk("race-1", "2", "f00d")];
      const ours = created.filter((run) => run.workflowId !== "race-2").map((run) => run.id);

      const claimedBy = await Promise.all(
        stacks.map(async (stack) => {
          const mine: string[] = [];
          for (;;) {
            const batch = await stack.persistence.claimPendingRuns({ limit: 5, now: T0, routes });
            if (batch.length === 0) return mine;
            mine.push(...batch.map((run) => run.id));
          }
        }),
      );
      const all = claimedBy.flat();
      expect(all.sort()).toEqual(ours.sort());
      const rows = await harness().reader.read(
        "SELECT route, status, count(*) AS n FROM ratchet_runs GROUP BY route, status ORDER BY route",
      );
      // Route keys are hashes: compared as a set, not in the database's order.
      expect(rows.map((r) => [r.route, r.status, Number(r.n)])).toEqual(
        expect.arrayContaining([
          ["race-0", "RUNNING", created.filter((run) => run.workflowId === "race-0").length],
          [
            rk("race-1", "2", "f00d"),
            "RUNNING",
            created.filter((run) => run.workflowId === "race-1").length,
          ],
          [
            rk("race-2", "2", "f00d"),
            "PENDING",
            created.filter((run) => run.workflowId === "race-2").length,
          ],
        ]),
      );
      expect(rows).toHaveLength(3);
    });

    it(`${connections} concurrent dequeuers naming two of three routes take each of their jobs once and leave the third route's alone`, async () => {
      const stacks = await competitors();
      const { jobTransport } = harness().stack;
      const enqueued: NewJob[] = Array.from({ length: jobs }, (_, i) => ({
        jobId: `job-${String(i).padStart(5, "0")}`,
        workflowRunId: `run-${i % 50}`,
        workflowId: "race",
        route: `race@${i % 3}#f`,
        stageId: "s",
        priority: i % 4,
        maxAttempts: 3,
        payload: { i },
        availableAt: T0,
      }));
      await jobTransport.enqueue(enqueued);
      const routes = ["race@0#f", "race@1#f"];
      const ours = enqueued.filter((job) => routes.includes(job.route)).map((job) => job.jobId);

      const takenBy = await Promise.all(
        stacks.map(async (stack, worker) => {
          const mine: string[] = [];
          for (;;) {
            const batch = await stack.jobTransport.dequeue({
              workerId: `w${worker}`,
              limit: 10,
              leaseMs: 60_000,
              now: T0,
              routes,
            });
            if (batch.length === 0) return mine;
            mine.push(...batch.map((job) => job.jobId));
          }
        }),
      );
      expect(takenBy.flat().sort()).toEqual(ours.sort());
      const rows = await harness().reader.read(
        "SELECT route, status, count(*) AS n FROM ratchet_jobs GROUP BY route, status ORDER BY route",
      );
      expect(rows.map((r) => [r.route, r.status, Number(r.n)])).toEqual([
        ["race@0#f", "RUNNING", enqueued.filter((job) => job.route === "race@0#f").length],
        ["race@1#f", "RUNNING", enqueued.filter((job) => job.route === "race@1#f").length],
        ["race@2#f", "PENDING", enqueued.filter((job) => job.route === "race@2#f").length],
      ]);
    });
  });
}
