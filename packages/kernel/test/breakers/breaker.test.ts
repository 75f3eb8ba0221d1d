/**
 * Circuit breakers on the in-memory stack: failures of a guarded stage open its named breaker
 * (in the failed attempt's commit), an open breaker defers the stage without using up an
 * attempt, a probe after the cool-down closes it (or re-opens it), each change is an event.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineStage,
  explainRun,
  loadRunInspection,
  WorkflowDefinitionError,
  workflow,
} from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";

const settings = {
  name: "payments-api",
  failureThreshold: 2,
  windowMs: 60_000,
  coolDownMs: 30_000,
};

function payments(state: { fail: boolean; calls: number }) {
  return workflow("pay")
    .task("charge", {
      breaker: settings,
      retry: { maxAttempts: 1 },
      handler: async () => {
        state.calls++;
        if (state.fail) throw new Error("payments-api is down");
        return { charged: true };
      },
    })
    .build();
}

async function start(t: ReturnType<typeof createTestKernel>) {
  const { workflowRunId } = await t.kernel.dispatch({
    type: "run.create",
    workflowId: "pay",
    input: {},
  });
  return workflowRunId;
}

describe("circuit breakers", () => {
  it("opens after N failures in the window, defers the stage, half-opens after the cool-down and closes on the probe's success", async () => {
    const state = { fail: true, calls: 0 };
    const t = createTestKernel({ workflows: [payments(state)] });
    const first = await start(t);
    expect((await t.driver.runToCompletion(first)).status).toBe("FAILED");
    expect(await t.persistence.getBreaker("payments-api")).toMatchObject({
      state: "CLOSED",
      failures: [expect.any(Date)],
    });
    const second = await start(t);
    expect((await t.driver.runToCompletion(second)).status).toBe("FAILED");
    const open = await t.persistence.getBreaker("payments-api");
    expect(open).toMatchObject({ state: "OPEN", openedFailures: 2 });
    const opened = t.events.forRun(second).filter((e) => e.type === "circuit.opened");
    expect(opened).toHaveLength(1);
    expect(opened[0]?.payload).toMatchObject({ breaker: "payments-api", openedFailures: 2 });

    // Open: the third run's stage is deferred, its attempt not used up, the handler not called.
    const third = await start(t);
    for (let i = 0; i < 5; i++) await t.driver.tick();
    expect(state.calls).toBe(2);
    const job = (await t.queries.listJobs(third))[0];
    expect(job?.status).toBe("PENDING");
    expect(job?.attempt).toBe(0);
    expect(job?.availableAt.getTime()).toBe(open?.halfOpenAt?.getTime());
    const inspection = await loadRunInspection(t.queries, third, t.clock.now());
    if (!inspection) throw new Error("the run has no inspection");
    const explanation = explainRun(inspection);
    expect(explanation.facts.reason).toBe("circuit-breaker");
    expect(explanation.summary).toContain(
      `waiting for circuit breaker "payments-api" (open since ${open?.openedAt?.toISOString()} after 2 failures, half-open at ${open?.halfOpenAt?.toISOString()}`,
    );

    // After the cool-down the deferred stage is the probe; its success closes the breaker.
    state.fail = false;
    const done = await t.driver.runToCompletion(third);
    expect(done.status).toBe("COMPLETED");
    expect(state.calls).toBe(3);
    expect(await t.persistence.getBreaker("payments-api")).toMatchObject({
      state: "CLOSED",
      failures: [],
      probes: [],
    });
    const types = t.events.forRun(third).map((e) => e.type);
    expect(types).toContain("workflow.step.deferred");
    expect(types.indexOf("circuit.half_opened")).toBeLessThan(types.indexOf("circuit.closed"));
    expect(types.indexOf("circuit.closed")).toBeLessThan(types.indexOf("workflow.completed"));
  });

  it("a probe's failure re-opens the breaker for another cool-down", async () => {
    const state = { fail: true, calls: 0 };
    const t = createTestKernel({ workflows: [payments(state)] });
    await t.driver.runToCompletion(await start(t));
    await t.driver.runToCompletion(await start(t));
    const first = await t.persistence.getBreaker("payments-api");
    t.clock.advance(30_000);
    const probe = await start(t);
    expect((await t.driver.runToCompletion(probe)).status).toBe("FAILED");
    const reopened = await t.persistence.getBreaker("payments-api");
    expect(reopened?.state).toBe("OPEN");
    expect(reopened?.openedAt?.getTime()).toBeGreaterThan(first?.openedAt?.getTime() ?? 0);
    expect(reopened?.halfOpenAt?.getTime()).toBe((reopened?.openedAt?.getTime() ?? 0) + 30_000);
    const types = t.events.forRun(probe).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["circuit.half_opened", "circuit.opened"]));
    expect(t.events.forRun(probe).find((e) => e.type === "circuit.opened")?.payload).toMatchObject({
      probeFailed: true,
    });
  });

  it("failures outside the window do not add up", async () => {
    const state = { fail: true, calls: 0 };
    const t = createTestKernel({ workflows: [payments(state)] });
    await t.driver.runToCompletion(await start(t));
    t.clock.advance(61_000);
    await t.driver.runToCompletion(await start(t));
    expect(await t.persistence.getBreaker("payments-api")).toMatchObject({
      state: "CLOSED",
      failures: [expect.any(Date)],
    });
  });

  it("defineStage takes a breaker by name with the default settings", () => {
    const stage = defineStage({
      id: "call",
      name: "call",
      schemas: { input: z.any(), output: z.any() },
      breaker: "inventory",
      execute: () => 1,
    });
    expect(stage.breaker).toEqual({
      name: "inventory",
      failureThreshold: 5,
      windowMs: 60_000,
      coolDownMs: 30_000,
      halfOpenProbes: 1,
      probeTimeoutMs: 60_000,
    });
  });

  it("a parallel branch's task guards the branch's stage with its breaker", () => {
    const wf = workflow("branches")
      .parallel("fan", {
        branches: [
          workflow
            .branch("pay")
            .task("charge", { breaker: "payments-api", handler: () => 1 })
            .build(),
          workflow
            .branch("ship")
            .task("pack", { handler: () => 2 })
            .task("label", { breaker: "carrier-api", handler: () => 3 })
            .build(),
        ],
      })
      .build();
    // A one-task branch is the task's stage; a longer one is one stage named for the branch.
    expect(wf.getStage("charge")?.stage.breaker?.name).toBe("payments-api");
    expect(wf.getStage("ship")?.stage.breaker?.name).toBe("carrier-api");
  });

  it("an invalid breaker fails the definition with INVALID_BREAKER", () => {
    const build = (breaker: unknown) => () =>
      workflow("bad")
        .task("t", { breaker: breaker as never, handler: () => 1 })
        .build();
    for (const bad of ["", { name: "x", failureThreshold: 0 }, { name: "x", coolDown: 5 }]) {
      expect(build(bad)).toThrow(WorkflowDefinitionError);
      try {
        build(bad)();
      } catch (error) {
        expect((error as WorkflowDefinitionError).code).toBe("INVALID_BREAKER");
      }
    }
  });

  it("a workflow without breakers writes no breaker row", async () => {
    const t = createTestKernel({
      workflows: [
        workflow("plain")
          .task("a", { handler: () => 1 })
          .build(),
      ],
    });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "plain",
      input: {},
    });
    await t.driver.runToCompletion(workflowRunId);
    expect(await t.persistence.listBreakers()).toEqual([]);
  });
});
