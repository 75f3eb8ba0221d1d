/**
 * Compensation (sagas) on a real store: a run that fails or is cancelled after stages with a
 * `compensate` completed runs their compensations newest first, each once, as jobs with
 * retries; it ends `COMPENSATED` or `COMPENSATION_FAILED` with each step's outcome in its stage
 * records and `workflow.compensation.*` events; a restart in the middle changes nothing.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { StageRetryPolicy } from "../../../dsl/retry-policy.js";
import { defineStage } from "../../../dsl/stage.js";
import { workflow as stepWorkflow } from "../../../dsl/step-builder.js";
import { defineWorkflow } from "../../../dsl/workflow.js";
import { FakeClock } from "../../fake-clock.js";
import { T0 } from "../shared.js";
import { kernelOn, payloadsOf, start, ticks, type WorkflowFixture } from "./fixture.js";

const any = z.any();

/** A saga of `count` stages `s1…`; stage `failAt` always fails; each compensation is logged. */
function saga(
  id: string,
  count: number,
  failAt: number | undefined,
  log: string[],
  options: { compensateFails?: Record<string, number>; compensateRetry?: StageRetryPolicy } = {},
) {
  const failures = { ...options.compensateFails };
  const stages = Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    return defineStage({
      id: `s${n}`,
      name: `s${n}`,
      schemas: { input: any, output: any },
      retry: { maxAttempts: 1 },
      ...(options.compensateRetry ? { compensateRetry: options.compensateRetry } : {}),
      execute: (ctx) => {
        if (n === failAt) throw new Error(`s${n} broke`);
        return { done: [...((ctx.input as { done?: number[] }).done ?? []), n] };
      },
      compensate: (ctx) => {
        const left = failures[`s${n}`] ?? 0;
        if (left > 0) {
          failures[`s${n}`] = left - 1;
          throw new Error(`undo s${n} failed`);
        }
        log.push(`undo s${n} ${JSON.stringify(ctx.output)} ${ctx.cause}`);
      },
    });
  });
  let builder = defineWorkflow({ id, name: id, input: any, output: any }) as unknown as {
    pipe(s: unknown): typeof builder;
    build(): ReturnType<ReturnType<typeof defineWorkflow>["build"]>;
  };
  for (const stage of stages) builder = builder.pipe(stage);
  return builder.build();
}

/** Registers the compensation tests. */
export function compensationTests(fixture: () => WorkflowFixture): void {
  describe("compensation (sagas)", () => {
    it("a saga of 5 whose 4th fails compensates 3, 2, 1 once each and ends COMPENSATED", async () => {
      const log: string[] = [];
      const workflow = saga("saga-five", 5, 4, log);
      const t = kernelOn(fixture().ports, [workflow]);
      const runId = await start(t, workflow.id, { done: [] });
      const run = await t.driver.runToCompletion(runId);
      expect(run.status).toBe("COMPENSATED");
      expect(run.error).toMatchObject({ message: "s4 broke", stageId: "s4" });
      expect(log).toEqual([
        'undo s3 {"done":[1,2,3]} FAILED',
        'undo s2 {"done":[1,2]} FAILED',
        'undo s1 {"done":[1]} FAILED',
      ]);
      const stages = await t.persistence.listStages(runId);
      const byId = new Map(stages.map((s) => [s.stageId, s.status]));
      expect(byId.get("s4")).toBe("FAILED");
      expect(byId.has("s5")).toBe(false);
      for (const n of [1, 2, 3]) expect(byId.get(`compensate:s${n}`)).toBe("COMPLETED");
      expect(payloadsOf(t, runId, "workflow.compensation.started")).toMatchObject([
        { cause: "FAILED", stages: ["s3", "s2", "s1"] },
      ]);
      expect(
        payloadsOf(t, runId, "workflow.compensation.step.completed").map((p) => p.stageId),
      ).toEqual(["s3", "s2", "s1"]);
      expect(payloadsOf(t, runId, "workflow.failed")).toMatchObject([{ status: "COMPENSATED" }]);
    });

    it("retries a compensation by its own policy; one that uses up its attempts ends COMPENSATION_FAILED", async () => {
      const log: string[] = [];
      const retried = saga("saga-retried", 3, 3, log, {
        compensateFails: { s2: 1 },
        compensateRetry: { maxAttempts: 2, intervalMs: 100 },
      });
      const failing = saga("saga-stuck", 3, 3, log, {
        compensateFails: { s1: 5 },
        compensateRetry: { maxAttempts: 2, intervalMs: 100 },
      });
      const t = kernelOn(fixture().ports, [retried, failing]);
      const ok = await start(t, retried.id, {});
      expect((await t.driver.runToCompletion(ok)).status).toBe("COMPENSATED");
      expect(payloadsOf(t, ok, "workflow.compensation.step.retry")).toMatchObject([
        { stageId: "s2", attempt: 1, maxAttempts: 2, delayMs: 100 },
      ]);
      expect(log).toEqual(['undo s2 {"done":[1,2]} FAILED', 'undo s1 {"done":[1]} FAILED']);
      log.length = 0;
      const stuck = await start(t, failing.id, {});
      const run = await t.driver.runToCompletion(stuck);
      expect(run.status).toBe("COMPENSATION_FAILED");
      expect(log).toEqual(['undo s2 {"done":[1,2]} FAILED']);
      expect(await t.persistence.getStage(stuck, "compensate:s1")).toMatchObject({
        status: "FAILED",
        attempt: 2,
        error: { message: "undo s1 failed" },
      });
      expect(payloadsOf(t, stuck, "workflow.compensation.step.failed")).toMatchObject([
        { stageId: "s1", attempt: 2 },
      ]);
      expect(payloadsOf(t, stuck, "workflow.failed")).toMatchObject([
        { status: "COMPENSATION_FAILED", compensationError: { message: "undo s1 failed" } },
      ]);
    });

    it("a cancelled run compensates what completed; a run with nothing to undo is CANCELLED", async () => {
      const log: string[] = [];
      const workflow = stepWorkflow("saga-cancel")
        .task("reserve", {
          handler: () => ({ seat: 7 }),
          compensate: (ctx) => {
            log.push(`release ${(ctx.output as { seat: number }).seat} ${ctx.cause}`);
          },
        })
        .waitForSignal("paid", { schema: any })
        .build();
      const t = kernelOn(fixture().ports, [workflow]);
      const runId = await start(t, workflow.id, {});
      await ticks(t, 3);
      const cancelled = await t.kernel.dispatch({
        type: "run.cancel",
        workflowRunId: runId,
        reason: "customer left",
      });
      expect(cancelled).toMatchObject({ status: "COMPENSATING", cancelled: true });
      const run = await t.driver.runToCompletion(runId);
      expect(run.status).toBe("COMPENSATED");
      expect(run.error).toMatchObject({ code: "CANCELLED", message: "customer left" });
      expect(log).toEqual(["release 7 CANCELLED"]);
      expect(payloadsOf(t, runId, "workflow.cancelled")).toMatchObject([
        { reason: "customer left", status: "COMPENSATED" },
      ]);
      const early = await start(t, workflow.id, {});
      expect(await t.kernel.dispatch({ type: "run.cancel", workflowRunId: early })).toMatchObject({
        status: "CANCELLED",
      });
    });

    it("a parallel group compensates the branches that completed, newest first", async () => {
      const log: string[] = [];
      const clock = new FakeClock(T0);
      // "c" fails on its second attempt, a second later: by then "a" and "b" completed.
      const branch = (id: string, fail = false) =>
        defineStage({
          id,
          name: id,
          schemas: { input: any, output: any },
          retry: fail ? { maxAttempts: 2, intervalMs: 1_000 } : { maxAttempts: 1 },
          execute: () => {
            if (fail) throw new Error(`${id} broke`);
            clock.advance(10);
            return { id };
          },
          compensate: () => {
            log.push(id);
          },
        });
      const workflow = defineWorkflow({ id: "saga-parallel", name: "p", input: any, output: any })
        .pipe(branch("first"))
        .parallel([branch("a"), branch("b"), branch("c", true)])
        .build();
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(t, workflow.id, {});
      const run = await t.driver.runToCompletion(runId);
      expect(run.status).toBe("COMPENSATED");
      expect(log.at(-1)).toBe("first");
      expect(log.slice(0, -1).sort()).toEqual(["a", "b"]);
      const order = payloadsOf(t, runId, "workflow.compensation.started")[0]?.stages;
      expect(order).toEqual(log);
    });

    it("a restart in the middle of compensating changes nothing: each runs once, in order", async () => {
      const log: string[] = [];
      const workflow = saga("saga-restart", 4, 4, log);
      const t = kernelOn(fixture().ports, [workflow]);
      const runId = await start(t, workflow.id, { done: [] });
      for (let i = 0; i < 20 && log.length < 1; i++) await ticks(t, 1);
      expect(log).toHaveLength(1);
      expect((await t.persistence.getRun(runId))?.status).toBe("COMPENSATING");
      const restarted = kernelOn(await fixture().restart(), [workflow]);
      const run = await restarted.driver.runToCompletion(runId);
      expect(run.status).toBe("COMPENSATED");
      expect(log.map((l) => l.split(" ")[1])).toEqual(["s3", "s2", "s1"]);
    });
  });
}
