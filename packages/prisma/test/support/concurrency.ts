/**
 * Concurrency limits with several workers: each has its own connection and kernel (as separate
 * worker processes would) and they claim and execute at once. No key ever has more runs in
 * flight than its workflow's limit, and every run completes.
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { createTestKernel, FakeClock } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { DatabaseProvider } from "../../src/provider.js";
import { useStack } from "./stacks.js";

const T0 = new Date("2026-01-01T00:00:00Z");
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Registers the multi-worker concurrency-limit test for `provider`. */
export function registerConcurrencyLimits(provider: DatabaseProvider, workers: number): void {
  const harness = useStack(provider, `concurrency_${provider}`);

  describe(`concurrency limits on ${provider} (${workers} workers)`, () => {
    it(`${workers} workers never run more than the limit per key, and finish every run`, async () => {
      const h = harness();
      await h.truncate();
      const LIMIT = 2;
      const inFlight = new Map<string, Set<string>>();
      let peak = 0;
      const peaks = new Map<string, number>();
      const Input = z.object({ tenant: z.string(), n: z.number() });
      const enter = defineStage({
        id: "enter",
        name: "Enter",
        schemas: { input: Input, output: Input },
        execute: async (ctx) => {
          const set = inFlight.get(ctx.input.tenant) ?? new Set<string>();
          inFlight.set(ctx.input.tenant, set);
          set.add(ctx.workflowRunId);
          peak = Math.max(peak, set.size);
          peaks.set(ctx.input.tenant, Math.max(peaks.get(ctx.input.tenant) ?? 0, set.size));
          await pause(3);
          return ctx.input;
        },
      });
      const leave = defineStage({
        id: "leave",
        name: "Leave",
        schemas: { input: Input, output: z.object({ done: z.number() }) },
        execute: async (ctx) => {
          await pause(3);
          inFlight.get(ctx.input.tenant)?.delete(ctx.workflowRunId);
          return { done: ctx.input.n };
        },
      });
      const workflow = defineWorkflow({
        id: "per-tenant",
        name: "Per tenant",
        input: Input,
        output: z.object({ done: z.number() }),
        concurrency: { limit: LIMIT, key: (input: z.infer<typeof Input>) => input.tenant },
      })
        .pipe(enter)
        .pipe(leave)
        .build();

      const stacks = await Promise.all(Array.from({ length: workers }, () => h.open()));
      const kernels = stacks.map((stack, i) =>
        createTestKernel({
          workflows: [workflow],
          persistence: stack.persistence,
          jobTransport: stack.jobTransport,
          scheduler: stack.scheduler,
          blobStore: stack.blobStore,
          queries: stack.queries,
          clock: new FakeClock(T0),
          workerId: `w${i}`,
        }),
      );
      const tenants = ["acme", "globex", "initech"];
      const runIds: string[] = [];
      for (let i = 0; i < 36; i++) {
        const t = kernels[i % workers] as (typeof kernels)[number];
        const { workflowRunId } = (await t.kernel.dispatch({
          type: "run.create",
          workflowId: workflow.id,
          input: { tenant: tenants[i % tenants.length], n: i },
        })) as { workflowRunId: string };
        runIds.push(workflowRunId);
      }

      const reader = h.stack.persistence;
      const allDone = async () => {
        const done = await reader.listRuns({ status: "COMPLETED", limit: 1_000 });
        return done.length === runIds.length;
      };
      const deadline = Date.now() + 20_000;
      await Promise.all(
        kernels.map(async (t) => {
          while (!(await allDone())) {
            if (Date.now() > deadline) {
              const rows = await h.reader.read(
                "SELECT 'run' AS k, status, count(*) AS n FROM ratchet_runs GROUP BY status UNION ALL SELECT 'job', status, count(*) FROM ratchet_jobs GROUP BY status UNION ALL SELECT 'stage', status, count(*) FROM ratchet_stages GROUP BY status",
              );
              throw new Error(`runs did not finish in time: ${JSON.stringify(rows)}`);
            }
            const tick = await t.driver.tick();
            // Idle workers back off a little, as hosts do: SQLite has one write lock, and
            // workers polling it in a tight loop can starve the one with work to commit.
            if (!tick.busy) await pause(20);
          }
        }),
      );
      expect(peak).toBeLessThanOrEqual(LIMIT);
      // Every tenant reached its limit at some point: the test did exercise contention.
      expect([...peaks.values()]).toEqual(tenants.map(() => LIMIT));
      const failed = await reader.listRuns({ status: "FAILED", limit: 10 });
      expect(failed).toEqual([]);
    }, 90_000);
  });
}
