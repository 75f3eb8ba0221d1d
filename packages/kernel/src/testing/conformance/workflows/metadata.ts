/**
 * Cross-stage metadata on a real store: `ctx.setMetadata` / `ctx.getMetadata`, written with
 * the stage's commit, merged across parallel stages, dropped with a failed attempt, and
 * still there after a restart.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineStage } from "../../../dsl/stage.js";
import { defineWorkflow } from "../../../dsl/workflow.js";
import { RatchetError } from "../../../errors.js";
import { FakeClock } from "../../fake-clock.js";
import { T0 } from "../shared.js";
import { kernelOn, type WorkflowFixture } from "./fixture.js";

const any = z.any();
const SHIPPED_AT = new Date("2026-05-06T07:08:09.010Z");

/** Registers the metadata tests. */
export function metadataTests(fixture: () => WorkflowFixture): void {
  describe("cross-stage metadata", () => {
    it("is visible to later and parallel stages, merged, and survives a restart", async () => {
      const seen: Record<string, unknown> = {};
      const validate = defineStage({
        id: "validate",
        name: "Validate",
        schemas: { input: any, output: any },
        async execute(ctx) {
          await ctx.setMetadata("correlationId", "corr-1");
          await ctx.setMetadata("orderContext", { flags: { expedited: false }, at: SHIPPED_AT });
          seen.ownRead = ctx.getMetadata("correlationId");
          seen.tenantAtStart = ctx.getMetadata("tenant");
          return { ok: true };
        },
      });
      const left = defineStage({
        id: "left",
        name: "Left",
        schemas: { input: any, output: any },
        async execute(ctx) {
          await ctx.setMetadata("left", 1);
          return {};
        },
      });
      const right = defineStage({
        id: "right",
        name: "Right",
        schemas: { input: any, output: any },
        async execute(ctx) {
          const order = ctx.getMetadata<{ flags: object; at: Date }>("orderContext");
          await ctx.setMetadata("orderContext", { ...order, flags: { fulfilled: true } });
          await ctx.setMetadata("right", 2);
          return {};
        },
      });
      const report = defineStage({
        id: "report",
        name: "Report",
        schemas: { input: any, output: any },
        execute(ctx) {
          seen.final = { ...ctx.metadata };
          return {};
        },
      });
      const workflow = defineWorkflow({
        id: "metadata-flow",
        name: "Metadata",
        input: any,
        output: any,
      })
        .pipe(validate)
        .parallel([left, right])
        .pipe(report)
        .build();
      const clock = new FakeClock(T0);
      const before = kernelOn(fixture().ports, [workflow], { clock });
      const { workflowRunId } = await before.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: {},
        metadata: { tenant: "acme" },
      });
      // Run validate and the parallel group, then "restart" before the last stage.
      for (let i = 0; i < 20; i++) {
        await before.driver.tick();
        const run = await before.persistence.getRun(workflowRunId);
        if (run?.currentGroup === 2) break;
      }
      expect((await before.persistence.getRun(workflowRunId))?.currentGroup).toBe(2);
      const after = kernelOn(await fixture().restart(), [workflow], { clock });
      const run = await after.driver.runToCompletion(workflowRunId);
      expect(run.status).toBe("COMPLETED");
      expect(seen.ownRead).toBe("corr-1");
      expect(seen.tenantAtStart).toBe("acme");
      expect(seen.final).toEqual({
        tenant: "acme",
        correlationId: "corr-1",
        orderContext: { flags: { fulfilled: true }, at: SHIPPED_AT },
        left: 1,
        right: 2,
      });
      expect((seen.final as { orderContext: { at: unknown } }).orderContext.at).toBeInstanceOf(
        Date,
      );
    });

    it("drops what a failed attempt set; the retry starts from the committed metadata", async () => {
      const reads: unknown[] = [];
      const flaky = defineStage({
        id: "flaky",
        name: "Flaky",
        schemas: { input: any, output: any },
        retry: { maxAttempts: 2, intervalMs: 10 },
        async execute(ctx) {
          reads.push(ctx.getMetadata("progress"));
          await ctx.setMetadata("progress", `attempt ${ctx.attempt}`);
          if (ctx.attempt === 1) throw new Error("first attempt fails");
          return {};
        },
      });
      const after = defineStage({
        id: "after",
        name: "After",
        schemas: { input: any, output: any },
        execute(ctx) {
          reads.push(ctx.getMetadata("progress"));
          return {};
        },
      });
      const workflow = defineWorkflow({ id: "metadata-retry", name: "M", input: any, output: any })
        .pipe(flaky)
        .pipe(after)
        .build();
      const t = kernelOn(fixture().ports, [workflow]);
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: {},
      });
      const run = await t.driver.runToCompletion(workflowRunId, { idleStepMs: 10 });
      expect(run.status).toBe("COMPLETED");
      expect(reads).toEqual([undefined, undefined, "attempt 2"]);
      expect(run.metadata).toEqual({ progress: "attempt 2" });
    });

    it("rejects keys and values it cannot store with INVALID_METADATA", async () => {
      const errors: unknown[] = [];
      const stage = defineStage({
        id: "bad",
        name: "Bad",
        schemas: { input: any, output: any },
        async execute(ctx) {
          for (const [key, value] of [
            ["", 1],
            ["fn", () => 1],
            ["big", 10n],
          ] as const) {
            try {
              await ctx.setMetadata(key, value);
            } catch (error) {
              errors.push(error);
            }
          }
          return {};
        },
      });
      const workflow = defineWorkflow({ id: "metadata-bad", name: "M", input: any, output: any })
        .pipe(stage)
        .build();
      const t = kernelOn(fixture().ports, [workflow]);
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: {},
      });
      const run = await t.driver.runToCompletion(workflowRunId);
      expect(run.status).toBe("COMPLETED");
      expect(run.metadata).toEqual({});
      expect(errors).toHaveLength(3);
      for (const error of errors) expect(error).toBeInstanceOf(RatchetError);
      expect(errors.map((e) => (e as RatchetError).field)).toEqual([
        "metadata",
        "metadata.fn",
        "metadata.big",
      ]);
      expect(errors.every((e) => (e as RatchetError).code === "INVALID_METADATA")).toBe(true);
    });
  });
}
