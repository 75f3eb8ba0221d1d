/**
 * Dynamic fan-out on a real store: a map over a list known only at run time, with a
 * concurrency limit, results in input order, fail-fast and wait-all, an empty list, and
 * cancellation reaching every item.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeValue } from "../../../codec.js";
import { defineStage } from "../../../dsl/stage.js";
import { defineWorkflow } from "../../../dsl/workflow.js";
import { NonRetryableError } from "../../../errors.js";
import { kernelOn, start, ticks, type WorkflowFixture } from "./fixture.js";

const any = z.any();

/** Squares n; fails (not retried) for the numbers in `bad`. */
function square(bad: readonly number[] = []) {
  return defineStage({
    id: "square",
    name: "square",
    schemas: { input: z.number(), output: z.number() },
    execute: (ctx) => {
      if (bad.includes(ctx.input))
        throw new NonRetryableError(`no ${ctx.input}`, { code: "BAD_ITEM" });
      return ctx.input * ctx.input;
    },
  });
}

/** A workflow mapping `square` over `input.numbers`. */
function squares(
  id: string,
  options: { bad?: number[]; onError?: "fail-fast" | "wait-all"; concurrency?: number } = {},
) {
  return defineWorkflow({ id, name: id, input: any, output: any })
    .map("squares", square(options.bad), {
      items: ({ input }) => (input as { numbers: number[] }).numbers,
      concurrency: options.concurrency ?? 3,
      ...(options.onError ? { onError: options.onError } : {}),
    })
    .build();
}

/** Registers the fan-out tests. */
export function fanOutTests(fixture: () => WorkflowFixture): void {
  describe("dynamic fan-out", () => {
    it("maps a stage over a run-time list, concurrency at a time, results in input order", async () => {
      const workflow = squares("fan-out");
      const t = kernelOn(fixture().ports, [workflow]);
      const numbers = Array.from({ length: 20 }, (_, i) => 20 - i);
      const runId = await start(t, workflow.id, { numbers });
      let most = 0;
      const run = await t.driver.runToCompletion(runId, {
        onTick: async () => {
          const active = [
            ...(await t.persistence.listRuns({ status: "PENDING", limit: 100 })),
            ...(await t.persistence.listRuns({ status: "RUNNING", limit: 100 })),
          ].filter((r) => r.parentRunId === runId);
          most = Math.max(most, active.length);
        },
      });
      expect(run.status).toBe("COMPLETED");
      expect(run.output).toEqual(numbers.map((n) => n * n));
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(3);
    });

    it("fail-fast: the first failure fails the step and cancels the items not yet ended", async () => {
      const workflow = squares("fan-out-fail", { bad: [2], concurrency: 2 });
      const t = kernelOn(fixture().ports, [workflow]);
      const runId = await start(t, workflow.id, { numbers: [1, 2, 3, 4, 5, 6, 7, 8] });
      const run = await t.driver.runToCompletion(runId);
      expect(run.status).toBe("FAILED");
      expect(run.error).toMatchObject({ code: "MAP_ITEM_FAILED", stageId: "squares" });
      expect(run.error?.message).toContain("BAD_ITEM");
      await ticks(t, 3);
      const children = (await t.persistence.listRuns({ limit: 100 })).filter(
        (r) => r.parentRunId === runId,
      );
      expect(children).toHaveLength(8);
      // Items held back never ran: cancelled before they started.
      expect(children.filter((c) => c.status === "CANCELLED").length).toBeGreaterThanOrEqual(4);
      expect(
        children.filter(
          (c) => c.status === "PENDING" || c.status === "RUNNING" || c.status === "SCHEDULED",
        ),
      ).toEqual([]);
    });

    it("wait-all: every item ends, failures reported in place", async () => {
      const workflow = squares("fan-out-all", { bad: [2, 4], onError: "wait-all" });
      const t = kernelOn(fixture().ports, [workflow]);
      const runId = await start(t, workflow.id, { numbers: [1, 2, 3, 4, 5] });
      const run = await t.driver.runToCompletion(runId);
      expect(run.status).toBe("COMPLETED");
      const output = decodeValue<Array<{ ok: boolean; output?: number; error?: { code: string } }>>(
        run.output,
      );
      expect(output.map((r) => (r.ok ? r.output : r.error?.code))).toEqual([
        1,
        "BAD_ITEM",
        9,
        "BAD_ITEM",
        25,
      ]);
    });

    it("an empty list hands on [] without starting anything", async () => {
      const workflow = squares("fan-out-empty");
      const t = kernelOn(fixture().ports, [workflow]);
      const runId = await start(t, workflow.id, { numbers: [] });
      expect((await t.driver.runToCompletion(runId)).output).toEqual([]);
    });

    it("cancelling the parent cancels every item, running and held", async () => {
      const slow = defineWorkflow({ id: "fan-out-item", name: "item", input: any, output: any })
        .waitForSignal("go")
        .build();
      const workflow = defineWorkflow({ id: "fan-out-cancel", name: "c", input: any, output: any })
        .map("all", slow, { items: () => [1, 2, 3, 4, 5], concurrency: 2 })
        .build();
      const t = kernelOn(fixture().ports, [workflow]);
      const runId = await start(t, workflow.id, {});
      await ticks(t, 8);
      await t.kernel.dispatch({ type: "run.cancel", workflowRunId: runId });
      await ticks(t, 3);
      const children = (await t.persistence.listRuns({ limit: 100 })).filter(
        (r) => r.parentRunId === runId,
      );
      expect(children.map((c) => c.status)).toEqual(Array(5).fill("CANCELLED"));
    });
  });
}
