/**
 * Circuit breakers on a real store: two failed attempts of a guarded step open its breaker; a
 * third run's step is deferred (its job put back at the half-open time, attempt not used up),
 * across a restart; after the cool-down its probe closes the breaker in the same commit that
 * completes the step and starts the next one, and the run completes.
 */
import { describe, expect, it } from "vitest";
import { workflow } from "../../../dsl/step-builder.js";
import { FakeClock } from "../../fake-clock.js";
import { T0 } from "../shared.js";
import { kernelOn, type WorkflowFixture } from "./fixture.js";

/** Registers the circuit-breaker tests. */
export function breakerTests(fixture: () => WorkflowFixture): void {
  describe("circuit breakers", () => {
    it("opens after the threshold, defers the step across a restart, and a probe closes it", async () => {
      const state = { down: true, calls: 0 };
      const guarded = workflow("breaker-conformance")
        .task("prepare", { handler: async () => ({ amount: 5 }) })
        .task("charge", {
          breaker: { name: "conformance-api", failureThreshold: 2, coolDownMs: 30_000 },
          retry: { maxAttempts: 1 },
          handler: async (input: { amount: number }) => {
            state.calls++;
            if (state.down) throw new Error("conformance-api answered 503");
            return { charged: input.amount };
          },
        })
        .task("receipt", { handler: async (input: { charged: number }) => input })
        .build();
      const clock = new FakeClock(T0);
      const before = kernelOn(fixture().ports, [guarded], { clock });
      const start = async (t: typeof before) =>
        (
          await t.kernel.dispatch({
            type: "run.create",
            workflowId: "breaker-conformance",
            input: {},
          })
        ).workflowRunId;
      for (let i = 0; i < 2; i++)
        expect((await before.driver.runToCompletion(await start(before))).status).toBe("FAILED");
      const open = await before.persistence.getBreaker("conformance-api");
      expect(open).toMatchObject({ state: "OPEN", openedFailures: 2 });

      const third = await start(before);
      for (let i = 0; i < 5; i++) await before.driver.tick();
      expect(state.calls).toBe(2);
      const deferred = (await before.jobTransport.activeJobsForRun(third))[0];
      expect(deferred).toMatchObject({ stageId: "charge", status: "PENDING", attempt: 0 });
      expect(deferred?.availableAt.getTime()).toBe(open?.halfOpenAt?.getTime());

      state.down = false;
      const after = kernelOn(await fixture().restart(), [guarded], { clock });
      const run = await after.driver.runToCompletion(third);
      expect(run.status).toBe("COMPLETED");
      expect(state.calls).toBe(3);
      expect(await after.persistence.getBreaker("conformance-api")).toMatchObject({
        state: "CLOSED",
        failures: [],
        probes: [],
      });
      const stages = await after.persistence.listStages(third);
      expect(stages.find((s) => s.stageId === "charge")).toMatchObject({
        status: "COMPLETED",
        attempt: 1,
      });
      const types = [...before.events.forRun(third), ...after.events.forRun(third)].map(
        (e) => e.type,
      );
      expect(types.filter((t) => t.startsWith("circuit."))).toEqual([
        "circuit.half_opened",
        "circuit.closed",
      ]);
      expect(types.filter((t) => t === "workflow.step.deferred")).toHaveLength(1);
    });
  });
}
