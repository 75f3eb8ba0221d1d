/**
 * `ctx.emit` on a real store: a stage's custom events are written to the outbox with the
 * attempt's commit, so a failed attempt publishes none and the committed one publishes each
 * once, in order, as `workflow.custom`; a restart between them changes nothing.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineStage } from "../../../dsl/stage.js";
import { defineWorkflow } from "../../../dsl/workflow.js";
import { FakeClock } from "../../fake-clock.js";
import { T0 } from "../shared.js";
import { kernelOn, payloadsOf, type WorkflowFixture } from "./fixture.js";

const any = z.any();

/** Registers the custom-event tests. */
export function customEventTests(fixture: () => WorkflowFixture): void {
  describe("custom events (ctx.emit)", () => {
    it("publishes the committed attempt's events once; a failed attempt's are dropped", async () => {
      const charge = defineStage({
        id: "charge",
        name: "Charge",
        schemas: { input: any, output: any },
        retry: { maxAttempts: 2, intervalMs: 10 },
        events: { "payment.tried": z.object({ attempt: z.number().int() }) },
        async execute(ctx) {
          ctx.emit("payment.tried", { attempt: ctx.attempt });
          if (ctx.attempt === 1) throw new Error("first attempt fails");
          ctx.emit("payment.done", { at: new Date(T0) });
          return { ok: true };
        },
      });
      const workflow = defineWorkflow({
        id: "custom-events",
        name: "Custom events",
        input: any,
        output: any,
        events: { "payment.done": z.object({ at: z.date() }) },
      })
        .pipe(charge)
        .build();
      const clock = new FakeClock(T0);
      const before = kernelOn(fixture().ports, [workflow], { clock });
      const { workflowRunId } = await before.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: {},
      });
      // The first attempt fails; then "restart" before the retry.
      for (let i = 0; i < 5; i++) {
        await before.driver.tick();
        const [stage] = await before.persistence.listStages(workflowRunId);
        if (stage?.attempt === 1 && stage.status === "PENDING") break;
      }
      clock.advance(10);
      const after = kernelOn(await fixture().restart(), [workflow], { clock });
      const run = await after.driver.runToCompletion(workflowRunId, { idleStepMs: 10 });
      expect(run.status).toBe("COMPLETED");
      const published = [
        ...payloadsOf(before, workflowRunId, "workflow.custom"),
        ...payloadsOf(after, workflowRunId, "workflow.custom"),
      ];
      expect(published).toEqual([
        {
          workflowId: "custom-events",
          name: "payment.tried",
          payload: { attempt: 2 },
          stageId: "charge",
          attempt: 2,
        },
        {
          workflowId: "custom-events",
          name: "payment.done",
          payload: { at: { $date: new Date(T0).toISOString() } },
          stageId: "charge",
          attempt: 2,
        },
      ]);
    });
  });
}
