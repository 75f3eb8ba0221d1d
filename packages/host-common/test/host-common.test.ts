import {
  createRegistry,
  defineStage,
  defineWorkflow,
  type Kernel,
  RatchetError,
} from "@ratchet/kernel";
import { createTestKernel } from "@ratchet/kernel/testing";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { executeJob, HeartbeatGroup, runMaintenanceTick } from "../src/index.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function slowWorkflow(timeoutMs?: number, maxAttempts = 1) {
  const seen: { reason?: unknown } = {};
  const stage = defineStage({
    id: "slow",
    name: "Slow",
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    retry: { maxAttempts, intervalMs: 2_000 },
    schemas: { input: z.object({ ms: z.number() }), output: z.object({ ok: z.boolean() }) },
    execute: (ctx) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve({ ok: true }), ctx.input.ms);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          seen.reason = ctx.signal.reason;
          reject(ctx.signal.reason);
        });
      }),
  });
  const workflow = defineWorkflow({
    id: "slow",
    name: "Slow",
    input: z.object({ ms: z.number() }),
    output: z.object({ ok: z.boolean() }),
  })
    .pipe(stage)
    .build();
  return { workflow, seen };
}

async function started(t: ReturnType<typeof createTestKernel>, ms: number) {
  const { workflowRunId } = await t.kernel.dispatch({
    type: "run.create",
    workflowId: "slow",
    input: { ms },
  });
  await t.kernel.dispatch({ type: "run.claimPending", workerId: "w" });
  const [job] = await t.jobTransport.dequeue({
    workerId: "w",
    limit: 1,
    leaseMs: 1_000,
    now: t.clock.now(),
  });
  if (!job) throw new Error("no job");
  return { workflowRunId, job };
}

describe("runMaintenanceTick", () => {
  it("runs every duty, and a failing duty does not stop the others", async () => {
    const { workflow } = slowWorkflow();
    const t = createTestKernel({ workflows: [workflow] });
    await t.kernel.dispatch({ type: "run.create", workflowId: "slow", input: { ms: 1 } });
    const failing: Kernel = {
      options: t.kernel.options,
      routes: t.kernel.routes,
      dispatch: ((command: Parameters<Kernel["dispatch"]>[0]) => {
        if (command.type === "stage.pollSuspended")
          return Promise.reject(new RatchetError("BOOM", "poll broke"));
        return t.kernel.dispatch(command);
      }) as Kernel["dispatch"],
    };
    const result = await runMaintenanceTick(failing, { workerId: "w" });
    expect(result.claimed).toBe(1);
    expect(result.eventsFlushed).toBe(2); // workflow.created and workflow.started
    expect(result.failures).toEqual([{ duty: "poll", code: "BOOM", message: "poll broke" }]);
  });

  it("reports the earliest of the next poll check and the next scheduled entry as nextDueAt", async () => {
    const t = createTestKernel({ workflows: [slowWorkflow().workflow] });
    const inMs = (ms: number) => new Date(t.clock.now().getTime() + ms);
    const withPollAt = (at: Date | undefined): Kernel => ({
      options: t.kernel.options,
      routes: t.kernel.routes,
      dispatch: (async (command: Parameters<Kernel["dispatch"]>[0]) => {
        const result = await t.kernel.dispatch(command);
        if (command.type !== "stage.pollSuspended" || at === undefined) return result;
        return { ...(result as object), nextCheckAt: at };
      }) as Kernel["dispatch"],
    });
    expect((await runMaintenanceTick(t.kernel, { workerId: "w" })).nextDueAt).toBeUndefined();

    await t.scheduler.schedule({
      type: "run.cancel",
      correlationId: "wake",
      payload: { workflowRunId: "r" },
      runAt: inMs(5_000),
    });
    expect((await runMaintenanceTick(t.kernel, { workerId: "w" })).nextDueAt).toEqual(inMs(5_000));
    const earlierPoll = await runMaintenanceTick(withPollAt(inMs(2_000)), { workerId: "w" });
    expect(earlierPoll.nextDueAt).toEqual(inMs(2_000));
    const laterPoll = await runMaintenanceTick(withPollAt(inMs(9_000)), { workerId: "w" });
    expect(laterPoll.nextDueAt).toEqual(inMs(5_000));
  });
});

describe("HeartbeatGroup", () => {
  it("renews every running job in one command, never two at once, and aborts lost jobs", async () => {
    const { workflow } = slowWorkflow();
    const t = createTestKernel({ workflows: [workflow], registry: createRegistry([workflow]) });
    const { job } = await started(t, 10);
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    const kernel: Kernel = {
      options: t.kernel.options,
      routes: t.kernel.routes,
      dispatch: (async (command: Parameters<Kernel["dispatch"]>[0]) => {
        calls++;
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(30);
        active--;
        return t.kernel.dispatch(command);
      }) as Kernel["dispatch"],
    };
    const group = new HeartbeatGroup(kernel, "w", 1_000, 5);
    const alive = new AbortController();
    const lost = new AbortController();
    const stopAlive = group.add(job.jobId, alive);
    const stopLost = group.add("not-held-by-w", lost);
    await sleep(100);
    stopAlive();
    stopLost();
    group.close();
    expect(maxActive).toBe(1);
    expect(calls).toBeGreaterThan(1);
    expect(alive.signal.aborted).toBe(false);
    expect(lost.signal.aborted).toBe(true);
    expect(lost.signal.reason).toMatchObject({ code: "LEASE_LOST" });
  });
});

describe("executeJob", () => {
  it("aborts the stage when its timeoutMs passes, and the attempt fails", async () => {
    const { workflow, seen } = slowWorkflow(30);
    const t = createTestKernel({ workflows: [workflow] });
    const { job } = await started(t, 10_000);
    const group = new HeartbeatGroup(t.kernel, "w", 1_000, 300);
    const result = await executeJob(t.kernel, job, { workerId: "w", heartbeats: group });
    group.close();
    expect(seen.reason).toMatchObject({ code: "STAGE_TIMEOUT" });
    expect(result).toMatchObject({ outcome: "failed", error: { code: "STAGE_TIMEOUT" } });
  });

  it("a stage timeout is a retryable failure: the attempt is retried after its back-off", async () => {
    vi.useFakeTimers();
    try {
      const { workflow, seen } = slowWorkflow(60_000, 2);
      const t = createTestKernel({ workflows: [workflow] });
      const { workflowRunId, job } = await started(t, 3_600_000);
      const group = new HeartbeatGroup(t.kernel, "w", 1_000, 300_000);
      const pending = executeJob(t.kernel, job, { workerId: "w", heartbeats: group });
      await vi.advanceTimersByTimeAsync(60_000);
      const result = await pending;
      group.close();
      expect(seen.reason).toMatchObject({ code: "STAGE_TIMEOUT" });
      expect(result).toMatchObject({ outcome: "retrying", error: { code: "STAGE_TIMEOUT" } });
      if (result.outcome === "retrying")
        expect(result.retryAt.getTime() - t.clock.now().getTime()).toBe(2_000);
      const [stage] = await t.persistence.listStages(workflowRunId);
      expect(stage).toMatchObject({ status: "PENDING", error: { code: "STAGE_TIMEOUT" } });
    } finally {
      vi.useRealTimers();
    }
  });

  it("aborts the stage when the host's signal fires", async () => {
    const { workflow, seen } = slowWorkflow();
    const t = createTestKernel({ workflows: [workflow] });
    const { job } = await started(t, 10_000);
    const group = new HeartbeatGroup(t.kernel, "w", 1_000, 300);
    const shutdown = new AbortController();
    setTimeout(() => shutdown.abort(new Error("shutting down")), 20);
    const result = await executeJob(t.kernel, job, {
      workerId: "w",
      heartbeats: group,
      signal: shutdown.signal,
    });
    group.close();
    expect(seen.reason).toBeInstanceOf(Error);
    expect(result.outcome).toBe("failed");
  });
});
