import type { Kernel } from "@ratchet/kernel";
import { describe, expect, it } from "vitest";
import { createServerlessHost } from "../src/index.js";
import { inMemoryHarness } from "./support/in-memory.js";
import { Executions, taskWorkflow } from "./support/workflows.js";

describe("runMaintenanceTick", () => {
  it("claims pending runs, releases stale leases, publishes events; returns host-common's result", async () => {
    const executions = new Executions();
    const t = inMemoryHarness({
      workflows: [taskWorkflow(executions)],
      host: { staleLeaseThresholdMs: 0, maxClaimsPerTick: 2 },
    });
    for (let i = 0; i < 3; i++) {
      await t.kernel.dispatch({ type: "run.create", workflowId: "task", input: {} });
    }

    const first = await t.host.runMaintenanceTick();
    expect(first).toEqual({
      schedulesFired: 0,
      claimed: 2,
      suspendedChecked: 0,
      resumed: 0,
      staleReleased: 0,
      staleFailed: 0,
      stuckRepaired: 0,
      scheduledFired: 0,
      eventsFlushed: expect.any(Number),
      eventsFailed: 0,
      failures: [],
    });
    expect(first.eventsFlushed).toBeGreaterThanOrEqual(2);

    // A worker takes a job and dies: its lease ends, the next tick puts the job back.
    const [job] = await t.jobTransport.dequeue({
      workerId: "dead-container",
      limit: 1,
      leaseMs: 1_000,
      now: t.clock.now(),
    });
    expect(job).toBeDefined();
    t.clock.advance(1_001);
    const second = await t.host.runMaintenanceTick();
    expect(second).toMatchObject({ claimed: 1, staleReleased: 1, failures: [] });
    expect(t.host.getStats().maintenanceTicks).toBe(2);

    const processed = await t.host.processAvailableJobs({ maxJobs: 10 });
    expect(processed.succeeded).toBe(3);
    expect(executions.total()).toBe(3);
  });

  it("reports a failing duty in `failures` and still runs the others", async () => {
    const executions = new Executions();
    const t = inMemoryHarness({ workflows: [taskWorkflow(executions)] });
    await t.kernel.dispatch({ type: "run.create", workflowId: "task", input: {} });
    t.events.failWhen(() => true);
    const result = await t.host.runMaintenanceTick();
    expect(result.claimed).toBe(1);
    expect(result.eventsFlushed).toBe(0);
    expect(result.eventsFailed).toBeGreaterThan(0);
  });

  it("replays dead letters only with replayDeadLettersPerTick (off by default), before the flush", async () => {
    const t = inMemoryHarness({ workflows: [taskWorkflow(new Executions())] });
    const dispatched: Array<{ type: string; maxEvents?: number }> = [];
    const kernel: Kernel = {
      options: t.kernel.options,
      routes: t.kernel.routes,
      dispatch: ((command: Parameters<Kernel["dispatch"]>[0]) => {
        dispatched.push(command as (typeof dispatched)[number]);
        return t.kernel.dispatch(command);
      }) as Kernel["dispatch"],
    };
    const types = () => dispatched.splice(0).map((c) => c.type);

    expect(await t.makeHost({ kernel }).runMaintenanceTick()).not.toHaveProperty(
      "deadLettersReplayed",
    );
    expect(types()).not.toContain("outbox.replayDeadLetters");

    const replaying = t.makeHost({ kernel, replayDeadLettersPerTick: 7 });
    expect(await replaying.runMaintenanceTick()).toMatchObject({ deadLettersReplayed: 0 });
    expect(dispatched).toContainEqual({ type: "outbox.replayDeadLetters", maxEvents: 7 });
    // Right before the flush (the retention sweep, `runs.purge`, comes last of all).
    expect(types().slice(-3)).toEqual(["outbox.replayDeadLetters", "outbox.flush", "runs.purge"]);

    expect(() =>
      createServerlessHost({
        kernel,
        jobTransport: t.jobTransport,
        workerId: "w",
        replayDeadLettersPerTick: -1,
      }),
    ).toThrow(
      expect.objectContaining({ code: "INVALID_OPTIONS", field: "replayDeadLettersPerTick" }),
    );
  });
});
