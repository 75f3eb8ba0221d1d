/**
 * Rate limits and throttles with several workers: each has its own connection and kernel (as
 * separate worker processes would) and they claim at once, period after period. No key ever
 * starts more runs in a period than its limit (a throttle: no two starts closer than its
 * interval), and every period is used to the full.
 */
import { defineWorkflow, explainRun, type FlowLimits, loadRunInspection } from "@ratchet/kernel";
import { createTestKernel, FakeClock } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { DatabaseProvider } from "../../src/provider.js";
import { useStack } from "./stacks.js";

const T0 = Date.UTC(2026, 0, 1);
const Input = z.object({ tenant: z.string(), n: z.number() });
const byTenant = (input: z.infer<typeof Input>) => input.tenant;

/** Registers the multi-worker start-rate tests for `provider`. */
export function registerStartRates(provider: DatabaseProvider, workers: number): void {
  const harness = useStack(provider, `start_rates_${provider}`);

  /** `workers` kernels on their own connections, with `runs` pending runs over two tenants. */
  async function setUp(id: string, limits: FlowLimits, runs: number) {
    const h = harness();
    await h.truncate();
    const workflow = defineWorkflow({ id, name: id, input: Input, output: z.any() })
      .limits(limits)
      .sleep("nap", 1)
      .build();
    const stacks = await Promise.all(Array.from({ length: workers }, () => h.open()));
    const clocks = stacks.map(() => new FakeClock(T0));
    const kernels = stacks.map((stack, i) =>
      createTestKernel({
        workflows: [workflow],
        persistence: stack.persistence,
        jobTransport: stack.jobTransport,
        scheduler: stack.scheduler,
        blobStore: stack.blobStore,
        clock: clocks[i] as FakeClock,
        workerId: `w${i}`,
      }),
    );
    for (let n = 0; n < runs; n++) {
      await kernels[0]?.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: { tenant: n % 2 === 0 ? "acme" : "globex", n },
      });
    }
    /** Every worker claims at once at `ms` after T0; the claimed runs' tenants. */
    const claimAll = async (ms: number): Promise<string[]> => {
      for (const clock of clocks) clock.set(T0 + ms);
      const results = await Promise.all(
        kernels.map((t, i) =>
          t.kernel.dispatch({ type: "run.claimPending", workerId: `w${i}`, maxClaims: 3 }),
        ),
      );
      const ids = results.flatMap((r) => r.claimed.map((c) => c.workflowRunId));
      const tenants = [];
      for (const id of ids) {
        const run = await h.stack.persistence.getRun(id);
        tenants.push((run?.input as { tenant: string } | undefined)?.tenant ?? "?");
      }
      return tenants;
    };
    // The harness closes the stacks it opened.
    return { claimAll, kernels, workflow };
  }

  describe(`start rates on ${provider} (${workers} workers)`, () => {
    it(`${workers} workers never start more than a key's limit per period`, async () => {
      const { claimAll } = await setUp(
        "rated-tenants",
        { rateLimit: { limit: 4, periodMs: 1_000, key: byTenant } },
        60,
      );
      let total = 0;
      for (let period = 0; period < 5; period++) {
        const perTenant = new Map<string, number>();
        for (let round = 0; round < 3; round++) {
          for (const tenant of await claimAll(period * 1_000 + round * 200)) {
            perTenant.set(tenant, (perTenant.get(tenant) ?? 0) + 1);
            total += 1;
          }
        }
        expect(Object.fromEntries(perTenant)).toEqual({ acme: 4, globex: 4 });
      }
      expect(total).toBe(5 * 2 * 4);
      // A waiting run is explained by its key's used-up rate, read from the database.
      const [waiting] = (
        await harness().stack.persistence.listRuns({ status: "PENDING", limit: 1 })
      ).filter((run) => run.concurrencyKey !== null);
      const inspection = await loadRunInspection(
        harness().stack.queries,
        waiting?.id as string,
        new Date(T0 + 4_500),
      );
      expect(inspection && explainRun(inspection).facts).toMatchObject({
        reason: "rate-limit",
        rateLimit: 4,
        starts: 4,
        nextStartAt: new Date(T0 + 5_000).toISOString(),
      });
    }, 60_000);

    it(`${workers} workers never start a throttled key's runs closer than its interval`, async () => {
      const { claimAll } = await setUp(
        "throttled-tenants",
        { throttle: { limit: 2, periodMs: 1_000, key: byTenant } },
        40,
      );
      const starts: Record<string, number[]> = { acme: [], globex: [] };
      for (let ms = 0; ms < 5_000; ms += 100) {
        for (const tenant of await claimAll(ms)) starts[tenant]?.push(ms);
      }
      // One start per 500 ms per tenant: 10 each in 5 s, never two in one 500 ms.
      for (const at of Object.values(starts)) {
        expect(at).toEqual(Array.from({ length: 10 }, (_, i) => i * 500));
      }
    }, 60_000);

    it(`${workers} workers creating one singleton key at once create exactly one run`, async () => {
      const { kernels, workflow } = await setUp(
        "single-tenants",
        { singleton: { mode: "skip", key: byTenant } },
        0,
      );
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all(
          kernels.flatMap((t) =>
            [0, 1].map((n) =>
              t.kernel.dispatch({
                type: "run.create",
                workflowId: workflow.id,
                input: { tenant: `t${round}`, n },
              }),
            ),
          ),
        );
        const created = results.filter((r) => !("skipped" in r && r.skipped));
        expect(created).toHaveLength(1);
        expect(new Set(results.map((r) => r.workflowRunId)).size).toBe(1);
      }
    }, 60_000);

    it(`${workers} workers debouncing one key at once make exactly one run`, async () => {
      const { kernels, workflow } = await setUp(
        "debounced-tenants",
        { debounce: { periodMs: 60_000, key: byTenant } },
        0,
      );
      const results = await Promise.all(
        kernels.flatMap((t, i) =>
          [0, 1, 2].map((n) =>
            t.kernel.dispatch({
              type: "run.create",
              workflowId: workflow.id,
              input: { tenant: "acme", n: i * 10 + n },
            }),
          ),
        ),
      );
      const ids = new Set(results.map((r) => r.workflowRunId));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => !("debounced" in r && r.debounced))).toHaveLength(1);
    }, 60_000);
  });
}
