import { defineWorkflow, type Kernel, type WorkflowEvent } from "@ratchet/kernel";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidHostOptionsError } from "../src/index.js";
import { type InMemoryHarness, inMemoryHarness } from "./support/in-memory.js";
import { Executions, taskWorkflow } from "./support/workflows.js";

const any = z.any();

/** Creates `count` runs: each writes one event (`workflow.created`) to the outbox. */
async function backlog(t: InMemoryHarness, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await t.kernel.dispatch({ type: "run.create", workflowId: "task", input: {} });
  }
}

/** The kernel of `t`, with `outbox.flush` rejected as a database that is down would. */
function outboxDown(t: InMemoryHarness): Kernel {
  return {
    options: t.kernel.options,
    routes: t.kernel.routes,
    dispatch: ((command: Parameters<Kernel["dispatch"]>[0]) => {
      if (command.type === "outbox.flush") {
        return Promise.reject(
          Object.assign(new Error("Connection terminated unexpectedly"), { code: "ECONNRESET" }),
        );
      }
      return t.kernel.dispatch(command);
    }) as Kernel["dispatch"],
  };
}

const harness = (options: Omit<Parameters<typeof inMemoryHarness>[0], "workflows"> = {}) =>
  inMemoryHarness({
    workflows: [taskWorkflow(new Executions())],
    ...options,
    host: { maxOutboxFlushPerTick: 100, ...options.host },
  });

describe("publishEvents", () => {
  it("drains a backlog larger than one flush: 250 events at 100 per flush, in 3 flushes", async () => {
    const t = harness();
    await backlog(t, 250);

    const result = await t.host.publishEvents();

    expect(result).toEqual({
      published: 250,
      failed: 0,
      deadLettered: 0,
      flushes: 3, // 100, 100, then 50: not full, so no fourth
      timeBudgetSpent: false,
      errors: [],
      elapsedMs: expect.any(Number),
    });
    expect(t.events.events).toHaveLength(250);
    expect(new Set(t.events.events.map((e) => e.id)).size).toBe(250);
    expect(await t.host.publishEvents()).toMatchObject({ published: 0, flushes: 1 });
    expect(t.host.getStats()).toMatchObject({ eventsPublished: 250, eventsFailed: 0 });
  });

  it("publishes more than the maintenance tick, which flushes once (maxOutboxFlushPerTick)", async () => {
    const t = harness();
    await backlog(t, 250);
    // The tick publishes one flush, however many events wait (its claims add some more).
    expect((await t.host.runMaintenanceTick()).eventsFlushed).toBe(100);
    const rest = await t.host.publishEvents();
    expect(rest.published).toBeGreaterThanOrEqual(150);
    expect(rest.flushes).toBeGreaterThanOrEqual(2);
    expect((await t.host.publishEvents()).published).toBe(0);
    expect(t.events.byType("workflow.created")).toHaveLength(250);
    expect(t.host.getStats().eventsPublished).toBe(100 + rest.published);
  });

  it("delivers a child's end to its parent behind a backlog larger than one flush", async () => {
    const task = taskWorkflow(new Executions());
    const parent = defineWorkflow({ id: "parent", name: "Parent", input: any, output: any })
      .child("kid", task)
      .build();
    const t = inMemoryHarness({ workflows: [task, parent], host: { maxOutboxFlushPerTick: 100 } });
    const { workflowRunId: parentId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "parent",
      input: {},
    });
    // The parent starts its child and waits for it.
    expect(await t.host.handleJob({ pendingRunId: parentId })).toMatchObject({
      outcome: "suspended",
      stageId: "kid",
    });
    // 250 events other runs wrote meanwhile (runs starting in an hour: nothing claims them).
    for (let i = 0; i < 250; i++) {
      await t.kernel.dispatch({
        type: "run.create",
        workflowId: "task",
        input: {},
        delayMs: 3.6e6,
      });
    }
    // The child runs and ends: its end event is the newest in the outbox.
    expect(await t.host.handleJob({ pendingRunId: "any" })).toMatchObject({ outcome: "completed" });
    const kid = async () => (await t.persistence.getStage(parentId, "kid"))?.status;

    // One flush of 100, all the tick publishes, does not reach it.
    await t.kernel.dispatch({ type: "outbox.flush", workerId: "tick", maxEvents: 100 });
    expect(await kid()).toBe("SUSPENDED");

    const result = await t.host.publishEvents();
    expect(await kid()).toBe("COMPLETED");
    expect((await t.persistence.getRun(parentId))?.status).toBe("COMPLETED");
    expect(result.flushes).toBeGreaterThanOrEqual(2); // 100, then the rest
  });

  it("uses maxOutboxFlushPerTick for each flush", async () => {
    const t = harness({ host: { maxOutboxFlushPerTick: 40 } });
    await backlog(t, 100);
    expect(await t.host.publishEvents()).toMatchObject({ published: 100, flushes: 3 });
  });

  it("starts no flush once the time budget is spent; the next call goes on", async () => {
    const emitted: WorkflowEvent[] = [];
    const slowSink = {
      emit: async (event: WorkflowEvent) => {
        await new Promise((resolve) => setTimeout(resolve, 40));
        emitted.push(event);
      },
    };
    const t = harness({ eventSink: slowSink });
    await backlog(t, 250);

    // Each flush takes ≥ 40 ms (its runs' events go out in parallel): one fits a 10 ms budget.
    const first = await t.host.publishEvents({ timeBudgetMs: 10 });
    expect(first).toMatchObject({ published: 100, flushes: 1, timeBudgetSpent: true, errors: [] });
    expect(emitted).toHaveLength(100);

    expect(await t.host.publishEvents({ timeBudgetMs: 0 })).toMatchObject({
      published: 0,
      flushes: 0,
      timeBudgetSpent: true,
    });
    expect(emitted).toHaveLength(100);

    const rest = await t.host.publishEvents({ timeBudgetMs: 10_000 });
    expect(rest).toMatchObject({ published: 150, flushes: 2, timeBudgetSpent: false });
    expect(emitted).toHaveLength(250);
  });

  it("reports events a failing sink rejects, without throwing; they go out once it recovers", async () => {
    const t = harness();
    await backlog(t, 250);
    t.events.failWhen(() => true);

    const failing = await t.host.publishEvents();
    expect(failing).toMatchObject({ published: 0, failed: 250, deadLettered: 0, errors: [] });
    expect(failing.flushes).toBe(3);
    expect(t.events.rejected).toBe(250);
    expect(t.host.getStats()).toMatchObject({ eventsPublished: 0, eventsFailed: 250 });

    t.events.failWhen(null);
    t.clock.advance(60 * 60_000); // past every back-off
    expect(await t.host.publishEvents()).toMatchObject({ published: 250, failed: 0 });
    expect(t.events.events).toHaveLength(250);
  });

  it("reports a flush that throws (storage down) in `errors` and stops, without throwing", async () => {
    const t = harness();
    await backlog(t, 250);
    const host = t.makeHost({ kernel: outboxDown(t) });

    const result = await host.publishEvents();

    expect(result).toMatchObject({ published: 0, failed: 0, flushes: 1, timeBudgetSpent: false });
    expect(result.errors).toEqual([
      { code: "ECONNRESET", message: "Connection terminated unexpectedly" },
    ]);
    expect(t.events.events).toHaveLength(0);
  });

  it("rejects invalid options with INVALID_OPTIONS naming the field", async () => {
    const t = harness();
    for (const options of [{ timeBudgetMs: -1 }, { timeBudgetMs: "1s" }, { timeBudgetMs: NaN }]) {
      const error = await t.host.publishEvents(options as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidHostOptionsError);
      expect(error).toMatchObject({ code: "INVALID_OPTIONS", field: "timeBudgetMs" });
    }
    const notAnObject = await t.host.publishEvents(5 as never).catch((e: unknown) => e);
    expect(notAnObject).toMatchObject({ code: "INVALID_OPTIONS", field: "options" });
  });
});
