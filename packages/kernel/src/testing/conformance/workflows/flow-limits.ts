/**
 * Start limits on a real store: a workflow's `rateLimit` (at most N starts per period) and
 * `throttle` (starts spread evenly), per workflow or per key, enforced when runs are claimed
 * (waiting runs stay `PENDING`, none fails); a workflow's default `priority` (a number or a
 * function of the input); and the kernel's `defaultConcurrency` for workflows without a limit.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { FlowLimits } from "../../../dsl/flow-limits.js";
import { defineWorkflow } from "../../../dsl/workflow.js";
import type { RunStatus } from "../../../records.js";
import { FakeClock } from "../../fake-clock.js";
import type { TestKernel } from "../../test-kernel.js";
import { T0 } from "../shared.js";
import { kernelOn, type WorkflowFixture } from "./fixture.js";

const Input = z.object({ tenant: z.string(), n: z.number() });

/** A one-step workflow with `limits`; `hold` keeps its runs RUNNING for an hour. */
function limited(id: string, limits: FlowLimits, hold = false) {
  const builder = defineWorkflow({ id, name: id, input: Input, output: z.any() }).limits(limits);
  return (hold ? builder.sleep("hold", 3_600_000) : builder.sleep("nap", 1)).build();
}

async function create(t: TestKernel, workflowId: string, tenant: string, n: number) {
  const { workflowRunId } = await t.kernel.dispatch({
    type: "run.create",
    workflowId,
    input: { tenant, n },
  });
  return workflowRunId;
}

async function statuses(t: TestKernel, ids: readonly string[]): Promise<RunStatus[]> {
  return Promise.all(ids.map(async (id) => (await t.persistence.getRun(id))?.status ?? "FAILED"));
}

/** Start times of the runs (ms after T0). */
async function starts(t: TestKernel, ids: readonly string[]): Promise<number[]> {
  return Promise.all(
    ids.map(async (id) => ((await t.persistence.getRun(id))?.startedAt?.getTime() ?? 0) - T0),
  );
}

/** Registers the start-limit and priority tests. */
export function flowLimitTests(fixture: () => WorkflowFixture): void {
  describe("rate limits, throttles and priorities", () => {
    it("a rate limit starts at most `limit` runs per period; the others wait PENDING, none fails", async () => {
      const workflow = limited("rated-wf", { rateLimit: { limit: 2, periodMs: 60_000 } });
      const clock = new FakeClock(T0);
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const ids = [];
      for (let n = 0; n < 5; n++) ids.push(await create(t, workflow.id, "any", n));
      await t.driver.tick();
      await t.driver.tick();
      expect((await statuses(t, ids)).filter((s) => s === "PENDING")).toHaveLength(3);
      await t.driver.drain({ idleStepMs: 10_000 });
      expect(await statuses(t, ids)).toEqual(Array(5).fill("COMPLETED"));
      const perMinute = new Map<number, number>();
      for (const ms of await starts(t, ids)) {
        const minute = Math.floor(ms / 60_000);
        perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
      }
      expect([...perMinute.values()]).toEqual([2, 2, 1]);
    });

    it("with a key, each key has its own rate", async () => {
      const workflow = limited(
        "rated-key",
        { rateLimit: { limit: 1, periodMs: 60_000, key: (i: z.infer<typeof Input>) => i.tenant } },
        true,
      );
      const t = kernelOn(fixture().ports, [workflow]);
      const acme = [
        await create(t, workflow.id, "acme", 1),
        await create(t, workflow.id, "acme", 2),
      ];
      const globex = [
        await create(t, workflow.id, "globex", 3),
        await create(t, workflow.id, "globex", 4),
      ];
      await t.driver.tick();
      await t.driver.tick();
      expect(await statuses(t, acme)).toEqual(["RUNNING", "PENDING"]);
      expect(await statuses(t, globex)).toEqual(["RUNNING", "PENDING"]);
    });

    it("a throttle spreads the starts: one every periodMs / limit", async () => {
      const workflow = limited("throttled-wf", { throttle: { limit: 1, periodMs: 10_000 } });
      const clock = new FakeClock(T0);
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const ids = [];
      for (let n = 0; n < 4; n++) ids.push(await create(t, workflow.id, "any", n));
      await t.driver.drain({ idleStepMs: 1_000 });
      expect(await statuses(t, ids)).toEqual(Array(4).fill("COMPLETED"));
      const at = (await starts(t, ids)).sort((a, b) => a - b);
      for (let i = 1; i < at.length; i++)
        expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(10_000);
    });

    it("a workflow's priority (a number or a function of the input) is its runs' default", async () => {
      const fixed = limited("prio-fixed", { priority: 5 });
      const byInput = limited("prio-fn", { priority: (i: z.infer<typeof Input>) => i.n * 10 });
      const t = kernelOn(fixture().ports, [fixed, byInput]);
      const priorityOf = async (id: string) => (await t.persistence.getRun(id))?.priority;
      expect(await priorityOf(await create(t, fixed.id, "a", 1))).toBe(5);
      expect(await priorityOf(await create(t, byInput.id, "a", 3))).toBe(30);
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: byInput.id,
        input: { tenant: "a", n: 3 },
        priority: -1,
      });
      expect(await priorityOf(workflowRunId)).toBe(-1);
      const bad = limited("prio-bad", { priority: () => 0.5 });
      const t2 = kernelOn(fixture().ports, [bad]);
      await expect(create(t2, bad.id, "a", 1)).rejects.toMatchObject({
        code: "INVALID_PRIORITY",
        field: "priority",
      });
      expect(await t2.persistence.listRuns({ workflowId: bad.id, limit: 10 })).toEqual([]);
    });

    it("defaultConcurrency limits each workflow that sets no concurrency of its own", async () => {
      const plain = defineWorkflow({ id: "dc-plain", name: "Plain", input: Input, output: z.any() })
        .sleep("hold", 3_600_000)
        .build();
      const own = defineWorkflow({
        id: "dc-own",
        name: "Own",
        input: Input,
        output: z.any(),
        concurrency: { limit: 3 },
      })
        .sleep("hold", 3_600_000)
        .build();
      const t = kernelOn(fixture().ports, [plain, own], { options: { defaultConcurrency: 1 } });
      const plainIds = [await create(t, plain.id, "a", 1), await create(t, plain.id, "a", 2)];
      const ownIds = [];
      for (let n = 0; n < 4; n++) ownIds.push(await create(t, own.id, "a", n));
      await t.driver.tick();
      await t.driver.tick();
      expect(await statuses(t, plainIds)).toEqual(["RUNNING", "PENDING"]);
      expect((await statuses(t, ownIds)).filter((s) => s === "RUNNING")).toHaveLength(3);
    });
  });
}

/** Registers the singleton tests. */
export function singletonTests(fixture: () => WorkflowFixture): void {
  describe("singletons", () => {
    it('"skip": while a run of the key is active, run.create returns it and creates nothing', async () => {
      const workflow = limited(
        "single-skip",
        { singleton: { mode: "skip", key: (i: z.infer<typeof Input>) => i.tenant } },
        true,
      );
      const clock = new FakeClock(T0);
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const first = await create(t, workflow.id, "acme", 1);
      const again = await t.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: { tenant: "acme", n: 2 },
      });
      expect(again).toEqual({
        workflowRunId: first,
        status: "PENDING",
        replayed: false,
        skipped: true,
      });
      const other = await create(t, workflow.id, "globex", 3);
      expect(other).not.toBe(first);
      await t.driver.tick();
      const whileRunning = await t.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: { tenant: "acme", n: 4 },
      });
      expect(whileRunning).toMatchObject({
        workflowRunId: first,
        status: "RUNNING",
        skipped: true,
      });
      expect(await t.persistence.listRuns({ workflowId: workflow.id, limit: 10 })).toHaveLength(2);
      await t.driver.drain({ idleStepMs: 600_000 });
      // Once it ended, the key is free again.
      const next = await create(t, workflow.id, "acme", 5);
      expect(next).not.toBe(first);
      expect((await t.persistence.getRun(next))?.status).toBe("PENDING");
    });

    it('"queue": a second run of the key waits PENDING until the first ends', async () => {
      const workflow = limited("single-queue", { singleton: { mode: "queue" } }, true);
      const t = kernelOn(fixture().ports, [workflow]);
      const ids = [await create(t, workflow.id, "a", 1), await create(t, workflow.id, "b", 2)];
      await t.driver.tick();
      await t.driver.tick();
      expect(await statuses(t, ids)).toEqual(["RUNNING", "PENDING"]);
      await t.driver.drain({ idleStepMs: 600_000 });
      expect(await statuses(t, ids)).toEqual(["COMPLETED", "COMPLETED"]);
      const [a, b] = await starts(t, ids);
      const firstEnd = (await t.persistence.getRun(ids[0] as string))?.completedAt?.getTime();
      expect(b).toBeGreaterThanOrEqual((firstEnd ?? 0) - T0);
      expect(a).toBeLessThan(b ?? 0);
    });
  });
}

/** Registers the debounce tests. */
export function debounceTests(fixture: () => WorkflowFixture): void {
  describe("debounce", () => {
    it("creates within the window collapse into one run: the last input, periodMs after the last create", async () => {
      const workflow = limited("debounced", {
        debounce: { periodMs: 10_000, key: (i: z.infer<typeof Input>) => i.tenant },
      });
      const clock = new FakeClock(T0);
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const first = await t.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: { tenant: "acme", n: 1 },
      });
      expect(first).toMatchObject({ status: "SCHEDULED", replayed: false });
      expect(first.debounced).toBeUndefined();
      clock.advance(6_000);
      const second = await t.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: { tenant: "acme", n: 2 },
      });
      expect(second).toEqual({
        workflowRunId: first.workflowRunId,
        status: "SCHEDULED",
        replayed: false,
        debounced: true,
      });
      const other = await create(t, workflow.id, "globex", 3);
      expect(other).not.toBe(first.workflowRunId);
      // The first create's start (10 s) has passed; the run waits for 16 s.
      clock.advance(5_000);
      await t.driver.tick();
      await t.driver.tick();
      expect(await statuses(t, [first.workflowRunId])).toEqual(["SCHEDULED"]);
      await t.driver.runToCompletion(first.workflowRunId, { idleStepMs: 1_000 });
      const run = await t.persistence.getRun(first.workflowRunId);
      expect(run?.status).toBe("COMPLETED");
      expect(run?.input).toEqual({ tenant: "acme", n: 2 });
      expect(run?.startedAt?.getTime()).toBeGreaterThanOrEqual(T0 + 16_000);
      expect(await t.persistence.listRuns({ workflowId: workflow.id, limit: 10 })).toHaveLength(2);
      // Once it started, a create opens a new window.
      const later = await create(t, workflow.id, "acme", 4);
      expect(later).not.toBe(first.workflowRunId);
    });
  });
}
