/**
 * Control flow on a real store: choices (first match, default, no match), `next` and `end`,
 * pass steps, loops with an interval, `maxIterations` and a timeout, and a restart in the
 * middle of a loop.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeValue } from "../../../codec.js";
import { defineWorkflow } from "../../../dsl/workflow.js";
import { FakeClock } from "../../fake-clock.js";
import type { TestKernel } from "../../test-kernel.js";
import { T0 } from "../shared.js";
import { kernelOn, payloadsOf, start, task, type WorkflowFixture } from "./fixture.js";

const any = z.any();

/** The stages the run entered (a choice's untaken branches are recorded SKIPPED: not these). */
async function stageIds(t: TestKernel, runId: string): Promise<string[]> {
  return (await t.persistence.listStages(runId))
    .filter((s) => s.status !== "SKIPPED")
    .map((s) => s.stageId)
    .sort();
}

/** The stages recorded SKIPPED (the first stages of the branches a choice did not take). */
async function skippedIds(t: TestKernel, runId: string): Promise<string[]> {
  return (await t.persistence.listStages(runId))
    .filter((s) => s.status === "SKIPPED")
    .map((s) => s.stageId)
    .sort();
}

function orderWorkflow(clock: FakeClock, runs: Array<[string, number]>) {
  return defineWorkflow({ id: "flow-order", name: "Order", input: any, output: any })
    .pipe(
      task("validate", clock, runs, (input: { orderId: string; stock: number }) => ({
        orderId: input.orderId,
        inStock: input.stock > 0,
        total: 42,
      })),
    )
    .choice("check-inventory", {
      choices: [
        { condition: (ctx) => (ctx.steps.validate as { inStock: boolean }).inStock, next: "ship" },
      ],
      default: "backorder",
    })
    .parallel(
      [
        task("ship", clock, runs, (prev: { orderId: string }) => ({ shipment: prev.orderId })),
        task("notify", clock, runs, (prev: { total: number }) => ({ sent: prev.total })),
      ],
      { next: "complete" },
    )
    .pipe(
      task("backorder", clock, runs, (prev: { orderId: string }) => ({ backorder: prev.orderId })),
      { next: "complete" },
    )
    .pass("complete", {
      transform: (ctx) => ({
        orderId: (ctx.input as { orderId: string }).orderId,
        via: ctx.prev,
        validated: ctx.getStepResult("validate"),
      }),
      end: true,
    })
    .build();
}

/** Registers the control-flow tests. */
export function controlFlowTests(fixture: () => WorkflowFixture): void {
  describe("control flow", () => {
    it("a choice takes the first branch that holds, else its default; skipped steps never run", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const workflow = orderWorkflow(clock, runs);
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const inStock = await start(t, workflow.id, { orderId: "A-1", stock: 3 });
      const backordered = await start(t, workflow.id, { orderId: "B-2", stock: 0 });
      await t.driver.drain();

      const a = await t.persistence.getRun(inStock);
      expect(a?.status).toBe("COMPLETED");
      expect(decodeValue(a?.output ?? null)).toEqual({
        orderId: "A-1",
        via: { ship: { shipment: "A-1" }, notify: { sent: 42 } },
        validated: { orderId: "A-1", inStock: true, total: 42 },
      });
      expect(await stageIds(t, inStock)).toEqual([
        "check-inventory",
        "complete",
        "notify",
        "ship",
        "validate",
      ]);
      const b = await t.persistence.getRun(backordered);
      expect(b?.status).toBe("COMPLETED");
      expect(decodeValue(b?.output ?? null)).toEqual({
        orderId: "B-2",
        via: { backorder: "B-2" },
        validated: { orderId: "B-2", inStock: false, total: 42 },
      });
      expect(await stageIds(t, backordered)).toEqual([
        "backorder",
        "check-inventory",
        "complete",
        "validate",
      ]);
      expect(await skippedIds(t, backordered)).toEqual(["notify", "ship"]);
      expect(await skippedIds(t, inStock)).toEqual(["backorder"]);
      expect(runs.filter(([id]) => id === "backorder")).toHaveLength(1);
      const completed = payloadsOf(t, backordered, "workflow.step.completed").map((p) => p.stageId);
      expect(completed).toEqual(["validate", "check-inventory", "backorder", "complete"]);
    });

    it("publishes the seed's event names through the outbox, each step with its type", async () => {
      const clock = new FakeClock(T0);
      const workflow = orderWorkflow(clock, []);
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(t, workflow.id, { orderId: "E-1", stock: 1 });
      await t.driver.runToCompletion(runId);
      const types = new Set(t.events.forRun(runId).map((e) => e.type));
      for (const type of [
        "workflow.started",
        "workflow.step.started",
        "workflow.step.completed",
        "workflow.completed",
      ]) {
        expect(types).toContain(type);
      }
      const started = payloadsOf(t, runId, "workflow.step.started").map((p) => [
        p.stageId,
        p.stepType,
      ]);
      expect(started).toEqual(
        expect.arrayContaining([
          ["validate", "task"],
          ["check-inventory", "choice"],
          ["ship", "task"],
          ["complete", "pass"],
        ]),
      );
      expect(payloadsOf(t, runId, "workflow.completed")).toHaveLength(1);
    });

    it("reruns from a step the run reached, with the input it got then; not from one it skipped", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const workflow = orderWorkflow(clock, runs);
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(t, workflow.id, { orderId: "R-1", stock: 0 });
      await t.driver.runToCompletion(runId);
      await expect(
        t.kernel.dispatch({ type: "run.rerunFrom", workflowRunId: runId, fromStageId: "ship" }),
      ).rejects.toMatchObject({ code: "ILLEGAL_STATE_TRANSITION" });
      clock.advance(1_000);
      await t.kernel.dispatch({
        type: "run.rerunFrom",
        workflowRunId: runId,
        fromStageId: "backorder",
      });
      const run = await t.driver.runToCompletion(runId);
      expect(run.status).toBe("COMPLETED");
      expect(decodeValue(run.output)).toMatchObject({ orderId: "R-1", via: { backorder: "R-1" } });
      expect(runs.map(([id]) => id)).toEqual(["validate", "backorder", "backorder"]);
      expect(await stageIds(t, runId)).toEqual([
        "backorder",
        "check-inventory",
        "complete",
        "validate",
      ]);
    });

    it("a choice with no match and no default fails the run with NO_CHOICE_MATCHED", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const workflow = defineWorkflow({ id: "flow-nomatch", name: "N", input: any, output: any })
        .pipe(task("first", clock, runs, (input) => input))
        .choice("route", { choices: [{ condition: () => false, next: "never" }] })
        .pipe(task("never", clock, runs, () => ({})))
        .build();
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const run = await t.driver.runToCompletion(await start(t, workflow.id, {}));
      expect(run.status).toBe("FAILED");
      expect(run.error).toMatchObject({ code: "NO_CHOICE_MATCHED", stageId: "route" });
      expect(runs.map(([id]) => id)).toEqual(["first"]);
    });

    it("pass steps hand on a static result or their input; end stops the run early", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const workflow = defineWorkflow({ id: "flow-pass", name: "P", input: any, output: any })
        .pass("init", { result: { status: "initialized", at: new Date(T0) } })
        .pass("forward")
        .choice("fork", {
          choices: [{ condition: (ctx) => (ctx.input as { late: boolean }).late, next: "late" }],
          default: "early",
        })
        .pass("early", { transform: (ctx) => ({ early: ctx.prev }), end: true })
        .pipe(task("late", clock, runs, (prev) => ({ late: prev })))
        .build();
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const early = await t.driver.runToCompletion(await start(t, workflow.id, { late: false }));
      expect(early.status).toBe("COMPLETED");
      expect(decodeValue(early.output)).toEqual({
        early: { status: "initialized", at: new Date(T0) },
      });
      const late = await t.driver.runToCompletion(await start(t, workflow.id, { late: true }));
      expect(decodeValue(late.output)).toEqual({
        late: { status: "initialized", at: new Date(T0) },
      });
      expect(runs.map(([id]) => id)).toEqual(["late"]);
    });

    function counting(
      clock: FakeClock,
      runs: Array<[string, number]>,
      id: string,
      loop: { maxIterations?: number; timeoutMs?: number; intervalMs?: number; until?: number },
    ) {
      return defineWorkflow({ id, name: id, input: any, output: any })
        .pipe(
          task("increment", clock, runs, (input: { count?: number }) => ({
            count: (input.count ?? 0) + 1,
          })),
        )
        .loop("repeat", {
          condition: (ctx) => (ctx.steps.increment as { count: number }).count < (loop.until ?? 3),
          target: "increment",
          ...loop,
        })
        .pass("done", { transform: (ctx) => ({ final: ctx.prev }) })
        .build();
    }

    it("a loop jumps back with its input while its condition holds, intervalMs apart", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const workflow = counting(clock, runs, "flow-loop", { intervalMs: 1_000, maxIterations: 10 });
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(t, workflow.id, {});
      const run = await t.driver.runToCompletion(runId, { idleStepMs: 250 });
      expect(run.status).toBe("COMPLETED");
      expect(decodeValue(run.output)).toEqual({ final: { count: 3 } });
      expect(runs).toEqual([
        ["increment", 0],
        ["increment", 1_000],
        ["increment", 2_000],
      ]);
      expect(
        payloadsOf(t, runId, "workflow.step.loop").map((p) => [p.iteration, p.delayMs]),
      ).toEqual([
        [1, 1_000],
        [2, 1_000],
      ]);
      // The loop's counter ends with the loop.
      expect(run.control).toEqual({});
    });

    it("fails with LOOP_LIMIT_REACHED instead of going past maxIterations", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const workflow = counting(clock, runs, "flow-loop-limit", { maxIterations: 2, until: 100 });
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const run = await t.driver.runToCompletion(await start(t, workflow.id, {}));
      expect(run.status).toBe("FAILED");
      expect(run.error).toMatchObject({ code: "LOOP_LIMIT_REACHED", stageId: "repeat" });
      expect(runs).toHaveLength(3);
    });

    it("fails with LOOP_TIMEOUT once the loop has gone on longer than timeoutMs", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const workflow = counting(clock, runs, "flow-loop-timeout", {
        intervalMs: 1_000,
        timeoutMs: 2_500,
        until: 100,
      });
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const run = await t.driver.runToCompletion(await start(t, workflow.id, {}), {
        idleStepMs: 500,
      });
      expect(run.status).toBe("FAILED");
      expect(run.error).toMatchObject({ code: "LOOP_TIMEOUT", stageId: "repeat" });
      expect(runs.map(([, at]) => at)).toEqual([0, 1_000, 2_000, 3_000]);
    });

    it("resumes a loop after a restart with its counter where it was", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const workflow = counting(clock, runs, "flow-loop-restart", {
        intervalMs: 60_000,
        maxIterations: 2,
      });
      const before = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(before, workflow.id, {});
      // increment, then the loop's first jump back (waiting out its interval).
      await before.driver.tick();
      await before.driver.tick();
      expect(runs).toHaveLength(1);
      expect((await before.persistence.getRun(runId))?.control).toMatchObject({
        loops: { repeat: { n: 1 } },
      });

      const after = kernelOn(await fixture().restart(), [workflow], { clock });
      const run = await after.driver.runToCompletion(runId, { idleStepMs: 10_000 });
      expect(run.status).toBe("COMPLETED");
      expect(decodeValue(run.output)).toEqual({ final: { count: 3 } });
      expect(runs.map(([, at]) => at)).toEqual([0, 60_000, 120_000]);
      // Exactly two jumps back in all: the counter survived the restart.
      expect(payloadsOf(after, runId, "workflow.step.loop").map((p) => p.iteration)).toEqual([2]);
    });
  });
}
