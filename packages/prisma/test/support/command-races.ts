/**
 * Commands racing each other from kernels with connections of their own (as separate worker
 * processes have): a cancellation racing the commits of a run's stage, and two outbox flushers
 * when a publish fails. What decides each write is read under the run's lock (or fenced), so a
 * cancelled run gets nothing after its cancellation, and a run's events follow the failed one.
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { CollectingEventSink, FakeClock, type TestKernel } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { DatabaseProvider } from "../../src/provider.js";
import type { RawReader } from "./backdoor.js";
import { useStack } from "./stacks.js";
import { kernelOver, leaseJobs } from "./test-kernels.js";

const T0 = new Date("2026-01-01T00:00:00Z");
const N = z.object({ n: z.number() });
const step = (id: string) =>
  defineStage({
    id,
    name: id,
    schemas: { input: N, output: N },
    execute: (ctx) => ({ n: ctx.input.n + 1 }),
  });
/** Like `step`, but works a few milliseconds first, so a cancellation can land meanwhile. */
const slowStep = (id: string) =>
  defineStage({
    id,
    name: id,
    schemas: { input: N, output: N },
    execute: async (ctx) => {
      await new Promise((resolve) => setTimeout(resolve, (ctx.input.n % 4) * 10));
      return { n: ctx.input.n + 1 };
    },
  });
const chain = defineWorkflow({ id: "command-race-chain", name: "Chain", input: N, output: N })
  .pipe(slowStep("a"))
  .pipe(step("b"))
  .build();

/** The ports a racing kernel runs on. */
type RaceStack = Parameters<typeof kernelOver>[0];

/** What the command races need of a database: a raw reader, emptying, stacks of their own. */
export interface CommandRaceHarness {
  reader: RawReader;
  truncate(): Promise<void>;
  open(): Promise<RaceStack>;
}

/** Registers the command races for `provider` (stacks opened through `harness`). */
export function registerCommandRaces(
  provider: DatabaseProvider | "d1",
  harness: () => CommandRaceHarness = useStack(
    provider as DatabaseProvider,
    `command_races_${provider}`,
  ),
): void {
  /** Two test kernels over stacks of their own on the test database, one clock. */
  async function openTwo(clock: FakeClock, sinks: CollectingEventSink[] = []) {
    const h = harness();
    await h.truncate();
    const stacks = await Promise.all([h.open(), h.open()]);
    return stacks.map((stack, i) => kernelOver(stack, [chain], clock, `w${i}`, sinks[i])) as [
      TestKernel,
      TestKernel,
    ];
  }

  describe(`command races on ${provider}`, () => {
    it("a run.cancel racing the commit of a stage: nothing is committed or queued after the cancellation", async () => {
      const h = harness();
      const clock = new FakeClock(T0);
      const [first, second] = await openTwo(clock);
      // On D1 every statement crosses to workerd (~10-25 ms) and its lock serialises the two
      // kernels' transactions: 10 races (4 s) still have cancellations overtake stages (asserted
      // below), as 40 did in 14 s.
      const RUNS = provider === "d1" ? 10 : 40;
      for (let i = 0; i < RUNS; i++)
        await first.kernel.dispatch({ type: "run.create", workflowId: chain.id, input: { n: i } });
      await first.kernel.dispatch({ type: "run.claimPending", workerId: "w0", maxClaims: RUNS });
      const jobs = await leaseJobs(first, RUNS);
      expect(jobs).toHaveLength(RUNS);
      const outcomes = await Promise.all(
        jobs.map(async (job) => {
          const [executed] = await Promise.all([
            first.kernel.dispatch({ type: "job.execute", workerId: "w0", job }),
            second.kernel.dispatch({ type: "run.cancel", workflowRunId: job.workflowRunId }),
          ]);
          return executed.outcome;
        }),
      );
      // Cancellations overtook running stages (on PostgreSQL some commits also came first; a
      // SQLite file serialises the two kernels' writes, and the cancellations always win).
      expect(outcomes.filter((o) => o !== "completed").length).toBeGreaterThan(0);
      if (provider === "postgresql") expect(outcomes).toContain("completed");
      const runs = await h.reader.read("SELECT id, status FROM ratchet_runs", []);
      expect(runs.map((r) => r.status)).toEqual(runs.map(() => "CANCELLED"));
      const live = await h.reader.read(
        "SELECT run_id, stage_id FROM ratchet_jobs WHERE status IN ('PENDING', 'RUNNING')",
        [],
      );
      expect(live, "live jobs of cancelled runs").toEqual([]);
      // No event of a run comes after its workflow.cancelled (a stage committed after the
      // cancellation would add workflow.step.completed behind it).
      const late = await h.reader.read(
        `SELECT o.run_id, o.type, o.sequence FROM ratchet_outbox o
           JOIN ratchet_outbox c ON c.run_id = o.run_id AND c.type = 'workflow.cancelled'
          WHERE o.sequence > c.sequence`,
        [],
      );
      expect(late, "events after a run's cancellation").toEqual([]);
      const open = await h.reader.read(
        "SELECT run_id, stage_id, status FROM ratchet_stages WHERE status IN ('PENDING', 'RUNNING')",
        [],
      );
      expect(open, "stages left open in cancelled runs").toEqual([]);
    }, 60_000);

    it("a publish failing on one flusher: another flusher publishes every event of the run, in order, once the failed one's retry is due", async () => {
      const clock = new FakeClock(T0);
      const failing = new CollectingEventSink();
      const healthy = new CollectingEventSink();
      const [first, second] = await openTwo(clock, [failing, healthy]);
      const RUNS = 5;
      const runIds: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const { workflowRunId } = await first.kernel.dispatch({
          type: "run.create",
          workflowId: chain.id,
          input: { n: i },
        });
        runIds.push(workflowRunId);
      }
      // Run every run to its end without flushing the outbox.
      await first.kernel.dispatch({ type: "run.claimPending", workerId: "w0", maxClaims: RUNS });
      for (let round = 0; round < 2; round++) {
        const jobs = await leaseJobs(first, RUNS);
        for (const job of jobs)
          await first.kernel.dispatch({ type: "job.execute", workerId: "w0", job });
      }
      for (const runId of runIds)
        expect((await first.persistence.getRun(runId))?.status).toBe("COMPLETED");
      // The first flusher's sink rejects each run's first event; it publishes nothing.
      failing.failWhen((event) => event.sequence === 1);
      const flushed = await first.kernel.dispatch({
        type: "outbox.flush",
        workerId: "w0",
        maxEvents: 1_000,
      });
      expect(flushed.published).toBe(0);
      // Past the failed events' retry (1 s base), well inside the outbox lease (30 s).
      clock.advance(2_500);
      await second.kernel.dispatch({ type: "outbox.flush", workerId: "w1", maxEvents: 1_000 });
      for (const runId of runIds) {
        const seqs = healthy.forRun(runId).map((e) => e.sequence);
        expect(seqs.length, `run ${runId}`).toBeGreaterThan(3);
        expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      }
    }, 60_000);
  });
}
