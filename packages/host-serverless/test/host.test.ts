import { createKernel, createRegistry, systemClock } from "@ratchet/kernel";
import { CollectingEventSink, createInMemoryStack } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { createServerlessHost, type ServerlessHostOptions } from "../src/index.js";
import { inMemoryHarness, pendingJobIds } from "./support/in-memory.js";
import { Executions, taskWorkflow } from "./support/workflows.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A kernel on the system clock, so leases really run out. */
function realTimeKernel() {
  const executions = new Executions();
  const stack = createInMemoryStack();
  const kernel = createKernel({
    ...stack,
    eventSink: new CollectingEventSink(),
    clock: systemClock,
    registry: createRegistry([taskWorkflow(executions)]),
  });
  return { kernel, stack, executions };
}

describe("createServerlessHost", () => {
  it("heartbeats keep a long stage's lease: the maintenance tick does not reap it", async () => {
    const { kernel, stack, executions } = realTimeKernel();
    const host = createServerlessHost({
      kernel,
      jobTransport: stack.jobTransport,
      workerId: "lambda-1",
      leaseMs: 150,
    });
    const reaper = createServerlessHost({
      kernel,
      jobTransport: stack.jobTransport,
      workerId: "cron",
      staleLeaseThresholdMs: 0,
    });
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "task",
      input: { delayMs: 600 },
    });
    await kernel.dispatch({ type: "run.claimPending", workerId: "cron" });
    const [job] = await stack.jobTransport.activeJobsForRun(workflowRunId);

    const handling = host.handleJob({ jobId: job?.jobId });
    await sleep(400); // well past the 150 ms lease
    const tick = await reaper.runMaintenanceTick();
    expect(tick.staleReleased).toBe(0);
    expect(await handling).toMatchObject({ outcome: "completed", ack: true });
    expect(executions.of(workflowRunId, "task")).toBe(1);
    expect(host.getStats().heartbeats).toBeGreaterThanOrEqual(3);
    expect(host.getStats().heartbeatErrors).toBe(0);
  });

  it("(control) without heartbeats the same lease is reaped", async () => {
    const { kernel, stack } = realTimeKernel();
    const reaper = createServerlessHost({
      kernel,
      jobTransport: stack.jobTransport,
      workerId: "cron",
      staleLeaseThresholdMs: 0,
    });
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "task",
      input: {},
    });
    await kernel.dispatch({ type: "run.claimPending", workerId: "cron" });
    const [job] = await stack.jobTransport.activeJobsForRun(workflowRunId);
    await stack.jobTransport.claimJob?.(job?.jobId as string, {
      workerId: "silent",
      leaseMs: 150,
      now: new Date(),
    });
    await sleep(200);
    expect((await reaper.runMaintenanceTick()).staleReleased).toBe(1);
  });

  it("counts what it did in getStats()", async () => {
    const executions = new Executions();
    const t = inMemoryHarness({ workflows: [taskWorkflow(executions)], host: { workerId: "w-9" } });
    const ids = await t.startRuns("task", [{}, { fail: true }, {}]);
    const [first] = await pendingJobIds(t, ids);
    await t.host.handleJob({ jobId: first });
    await t.host.handleJob({ jobId: first });
    await t.host.handleJob({ nope: true });
    await t.host.processAvailableJobs({ maxJobs: 5 });
    await t.host.runMaintenanceTick();

    const stats = t.host.getStats();
    expect(stats).toMatchObject({
      workerId: "w-9",
      messagesHandled: 3,
      invalidMessages: 1,
      jobsProcessed: 3,
      errors: 0,
      jobsReleased: 0,
      running: 0,
      maintenanceTicks: 1,
    });
    expect(stats.outcomes).toEqual({
      completed: 2,
      suspended: 0,
      retrying: 0,
      failed: 2,
      cancelled: 0,
      skipped: 1,
    });
    expect(stats.startedAt).toBeInstanceOf(Date);
    expect(stats.uptimeMs).toBeGreaterThanOrEqual(0);
    // A snapshot: changing it changes nothing inside.
    stats.outcomes.completed = 99;
    expect(t.host.getStats().outcomes.completed).toBe(2);
  });

  it("rejects invalid options at creation, naming the field", () => {
    const { kernel, stack } = realTimeKernel();
    const base: ServerlessHostOptions = { kernel, jobTransport: stack.jobTransport, workerId: "w" };
    const cases: Array<[Partial<ServerlessHostOptions>, string]> = [
      [{ workerId: "" }, "workerId"],
      [{ leaseMs: 0 }, "leaseMs"],
      [{ leaseMs: 1.5 }, "leaseMs"],
      [{ maxClaimsPerTick: -1 }, "maxClaimsPerTick"],
      [{ staleLeaseThresholdMs: -5 }, "staleLeaseThresholdMs"],
      [{ kernel: {} as never }, "kernel"],
      [{ jobTransport: undefined as never }, "jobTransport"],
    ];
    for (const [override, field] of cases) {
      expect(() => createServerlessHost({ ...base, ...override }), field).toThrow(
        expect.objectContaining({ code: "INVALID_OPTIONS", field }),
      );
    }
    expect(() => createServerlessHost({ ...base, leaseMs: 0 })).toThrow(
      /^\[ratchet\] \[serverless\] option `leaseMs`/,
    );
  });
});
