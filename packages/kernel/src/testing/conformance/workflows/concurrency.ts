/**
 * Concurrency limits on a real store: per workflow and per key of the input, enforced when runs
 * are claimed; waiting runs stay `PENDING` and start as slots free up. A bad key function is
 * rejected at `run.create`, with nothing written.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineStage } from "../../../dsl/stage.js";
import { defineWorkflow } from "../../../dsl/workflow.js";
import type { RunStatus } from "../../../records.js";
import { FakeClock } from "../../fake-clock.js";
import type { TestKernel } from "../../test-kernel.js";
import { T0 } from "../shared.js";
import { kernelOn, type WorkflowFixture } from "./fixture.js";

const Input = z.object({ tenant: z.string(), n: z.number() });

/** A workflow that sleeps an hour, so its runs hold their slots until the clock moves. */
function limited(id: string, limit: number, byTenant: boolean) {
  const work = defineStage({
    id: "work",
    name: "Work",
    schemas: { input: Input, output: Input },
    execute: (ctx) => ctx.input,
  });
  return defineWorkflow({
    id,
    name: id,
    input: Input,
    output: z.any(),
    concurrency: byTenant
      ? { limit, key: (input: z.infer<typeof Input>) => input.tenant }
      : { limit },
  })
    .pipe(work)
    .sleep("hold", 3_600_000)
    .build();
}

async function statuses(t: TestKernel, ids: readonly string[]): Promise<RunStatus[]> {
  return Promise.all(ids.map(async (id) => (await t.persistence.getRun(id))?.status ?? "FAILED"));
}

/** Creates a run, 1 ms after the one before when the test's clock is fake (so "oldest" is clear). */
async function create(t: TestKernel, workflowId: string, tenant: string, n: number) {
  const { workflowRunId } = await t.kernel.dispatch({
    type: "run.create",
    workflowId,
    input: { tenant, n },
  });
  (t.clock as { advance?: (ms: number) => void }).advance?.(1);
  return workflowRunId;
}

/** Registers the concurrency-limit tests. */
export function concurrencyTests(fixture: () => WorkflowFixture): void {
  describe("concurrency limits", () => {
    it("runs at most `limit` runs of a workflow at once; the rest start as slots free up", async () => {
      const workflow = limited("limit-wf", 2, false);
      const clock = new FakeClock(T0);
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const ids = [];
      for (let n = 0; n < 5; n++) ids.push(await create(t, workflow.id, "any", n));
      await t.driver.tick();
      await t.driver.tick();
      expect(await statuses(t, ids)).toEqual([
        "RUNNING",
        "RUNNING",
        "PENDING",
        "PENDING",
        "PENDING",
      ]);
      await t.driver.drain({ idleStepMs: 600_000 });
      expect(await statuses(t, ids)).toEqual(Array(5).fill("COMPLETED"));
      // Oldest first: each pair started an hour after the one before.
      const started = await Promise.all(
        ids.map(async (id) => (await t.persistence.getRun(id))?.startedAt?.getTime()),
      );
      expect(started[2]).toBeGreaterThan(started[1] ?? 0);
      expect(started[4]).toBeGreaterThan(started[3] ?? 0);
    });

    it("with a key, limits each key on its own; other workflows are not held up", async () => {
      const workflow = limited("limit-key", 1, true);
      const free = defineWorkflow({ id: "limit-free", name: "Free", input: Input, output: z.any() })
        .sleep("hold", 3_600_000)
        .build();
      const clock = new FakeClock(T0);
      const t = kernelOn(fixture().ports, [workflow, free], { clock });
      const acme = [
        await create(t, workflow.id, "acme", 1),
        await create(t, workflow.id, "acme", 2),
      ];
      const globex = [
        await create(t, workflow.id, "globex", 3),
        await create(t, workflow.id, "globex", 4),
      ];
      const others = [await create(t, free.id, "acme", 5), await create(t, free.id, "acme", 6)];
      await t.driver.tick();
      await t.driver.tick();
      expect(await statuses(t, acme)).toEqual(["RUNNING", "PENDING"]);
      expect(await statuses(t, globex)).toEqual(["RUNNING", "PENDING"]);
      expect(await statuses(t, others)).toEqual(["RUNNING", "RUNNING"]);
      await t.kernel.dispatch({ type: "run.cancel", workflowRunId: acme[0] as string });
      await t.driver.tick();
      expect(await statuses(t, acme)).toEqual(["CANCELLED", "RUNNING"]);
      expect(await statuses(t, globex)).toEqual(["RUNNING", "PENDING"]);
    });

    it("rejects a key function that throws or returns no string, and creates nothing", async () => {
      for (const key of [
        () => {
          throw new Error("no tenant");
        },
        () => 42 as unknown as string,
        () => "",
      ]) {
        const workflow = defineWorkflow({
          id: "limit-bad-key",
          name: "Bad key",
          input: Input,
          output: z.any(),
          concurrency: { limit: 1, key },
        })
          .sleep("hold", 1)
          .build();
        const t = kernelOn(fixture().ports, [workflow]);
        await expect(create(t, workflow.id, "acme", 1)).rejects.toMatchObject({
          code: "INVALID_CONCURRENCY_KEY",
          field: "concurrency.key",
        });
        expect(await t.persistence.listRuns({ workflowId: workflow.id, limit: 10 })).toEqual([]);
      }
    });
  });
}
