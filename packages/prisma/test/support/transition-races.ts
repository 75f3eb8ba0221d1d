/**
 * Overlapping transitions of one run, from kernels with connections of their own (as separate
 * worker processes have): a repair by `run.reapStuck` on every host at once, and a transition
 * racing another. Whatever decides what to enqueue is read under the run's lock, so each stage
 * gets exactly one live job — a second job would run the stage body twice.
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { FakeClock } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { DatabaseProvider } from "../../src/provider.js";
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
const chain = defineWorkflow({ id: "race-chain", name: "Chain", input: N, output: N })
  .pipe(step("a"))
  .pipe(step("b"))
  .build();

/** Registers the overlapping-transition races for `provider` with `kernels` kernels. */
export function registerTransitionRaces(provider: DatabaseProvider, kernels: number): void {
  const harness = useStack(provider, `transition_races_${provider}`);

  /** `kernels` test kernels, each over a stack of its own on the test database, one clock. */
  async function openHosts(clock: FakeClock) {
    const h = harness();
    await h.truncate();
    const stacks = await Promise.all(Array.from({ length: kernels }, () => h.open()));
    return stacks.map((stack, i) => kernelOver(stack, [chain], clock, `w${i}`));
  }

  /** Live jobs per run and stage that have a second one. */
  async function doubledJobs(): Promise<unknown[]> {
    const live = await harness().reader.read(
      "SELECT run_id, stage_id, count(*) AS n FROM ratchet_jobs WHERE status IN ('PENDING', 'RUNNING') GROUP BY run_id, stage_id",
      [],
    );
    return live.filter((row) => Number(row.n) > 1);
  }

  describe(`overlapping transitions on ${provider} (${kernels} kernels)`, () => {
    it("a job.execute closing a group while a run.transition of the run waits gives the next stage one job", async () => {
      const clock = new FakeClock(T0);
      const hosts = await openHosts(clock);
      const [first, second] = hosts as [(typeof hosts)[number], (typeof hosts)[number]];
      const RUNS = 40;
      for (let i = 0; i < RUNS; i++)
        await first.kernel.dispatch({ type: "run.create", workflowId: chain.id, input: { n: i } });
      await first.kernel.dispatch({ type: "run.claimPending", workerId: "w0", maxClaims: RUNS });
      const jobs = await leaseJobs(first, RUNS);
      expect(jobs).toHaveLength(RUNS);
      // Each "a" completes (enqueuing "b") while another kernel transitions the same run.
      await Promise.all(
        jobs.map((job) =>
          Promise.all([
            first.kernel.dispatch({ type: "job.execute", workerId: "w0", job }),
            second.kernel.dispatch({ type: "run.transition", workflowRunId: job.workflowRunId }),
          ]),
        ),
      );
      const doubled = await doubledJobs();
      expect(doubled, `${doubled.length} of ${RUNS} runs got a second live job`).toEqual([]);
    }, 60_000);

    it("concurrent run.reapStuck calls repair each stuck run with exactly one job per stage", async () => {
      const h = harness();
      const clock = new FakeClock(T0);
      const hosts = await openHosts(clock);
      const first = hosts[0] as (typeof hosts)[number];
      const RUNS = 30;
      const runIds: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const { workflowRunId } = await first.kernel.dispatch({
          type: "run.create",
          workflowId: chain.id,
          input: { n: i },
        });
        runIds.push(workflowRunId);
      }
      // Every run completes "a"; then its "b" job is lost (as a crash between commit and a
      // non-joining enqueue would lose it): RUNNING, "b" PENDING, no live job — stuck.
      await first.kernel.dispatch({ type: "run.claimPending", workerId: "w0", maxClaims: RUNS });
      const jobs = await leaseJobs(first, RUNS);
      expect(jobs.map((job) => job.stageId)).toEqual(runIds.map(() => "a"));
      for (const job of jobs)
        await first.kernel.dispatch({ type: "job.execute", workerId: "w0", job });
      const lost = await h.stack.prisma.$executeRawUnsafe(
        "DELETE FROM ratchet_jobs WHERE stage_id = 'b'",
      );
      expect(lost).toBe(RUNS);
      clock.advance(60 * 60_000);

      const results = await Promise.all(
        hosts.map((t) =>
          t.kernel.dispatch({ type: "run.reapStuck", stuckThresholdMs: 0, maxRuns: 100 }),
        ),
      );
      const repaired = results.flatMap((r) => r.repaired.map((x) => x.workflowRunId));
      expect(new Set(repaired)).toEqual(new Set(runIds));
      const live = await h.reader.read(
        "SELECT run_id FROM ratchet_jobs WHERE status IN ('PENDING', 'RUNNING')",
        [],
      );
      expect(new Set(live.map((row) => row.run_id))).toEqual(new Set(runIds));
      const doubled = await doubledJobs();
      expect(doubled, `${doubled.length} of ${RUNS} runs got a second live job`).toEqual([]);
    }, 60_000);
  });
}
