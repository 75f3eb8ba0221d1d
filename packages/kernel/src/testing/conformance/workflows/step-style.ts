/**
 * The `workflow()` builder style on a real store: a seed-style order workflow (task, choice,
 * parallel branches — one a multi-step branch — pass and end) and a poll with a restart in the
 * middle, compiled to the same stage graph the other tests use.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeValue } from "../../../codec.js";
import { workflow } from "../../../dsl/step-builder.js";
import { FakeClock } from "../../fake-clock.js";
import { T0 } from "../shared.js";
import { kernelOn, type WorkflowFixture } from "./fixture.js";

function orderWorkflow(calls: string[]) {
  return workflow("step-style-order")
    .task("validate", {
      inputSchema: z.object({ orderId: z.string(), stock: z.number() }),
      handler: async (input) => ({ orderId: input.orderId, inStock: input.stock > 0, total: 42 }),
    })
    .choice("check-inventory", {
      choices: [{ condition: (ctx) => ctx.steps.validate.inStock, next: "fulfill" }],
      default: "backorder",
    })
    .parallel("fulfill", {
      branches: [
        workflow
          .branch("shipping")
          .task("pack", {
            inputSchema: (prev) => ({ orderId: prev.orderId as string }),
            handler: async (input) => {
              calls.push(`pack ${input.orderId}`);
              return { packed: input.orderId };
            },
          })
          .task("ship", {
            handler: async (input: { packed: string }, ctx) => {
              calls.push(`ship ${input.packed}`);
              return { shipment: `S-${input.packed}`, packedFirst: ctx.steps.pack?.packed };
            },
          })
          .build(),
        workflow
          .branch("notification")
          .task("notify", {
            inputSchema: (prev, workflowInput) => ({
              orderId: workflowInput.orderId,
              total: prev.total,
            }),
            handler: async (input) => ({ sent: input.total }),
          })
          .build(),
      ],
      next: "complete",
    })
    .task("backorder", {
      inputSchema: (prev) => ({ orderId: prev.orderId as string }),
      handler: async (input) => ({ backorder: input.orderId }),
      next: "complete",
    })
    .pass("complete", {
      transform: (ctx) => ({ orderId: ctx.input.orderId, via: ctx.prev }),
      end: true,
    })
    .build();
}

/** Registers the `workflow()` builder tests. */
export function stepStyleTests(fixture: () => WorkflowFixture): void {
  describe("workflow() builder", () => {
    it("runs the seed-style order workflow: branches in parallel, or the backorder", async () => {
      const calls: string[] = [];
      const wf = orderWorkflow(calls);
      const t = kernelOn(fixture().ports, [wf]);
      const create = async (orderId: string, stock: number) =>
        (
          await t.kernel.dispatch({
            type: "run.create",
            workflowId: wf.id,
            input: { orderId, stock },
          })
        ).workflowRunId;
      const shipped = await create("A-1", 2);
      const backordered = await create("B-2", 0);
      await t.driver.drain();
      const a = await t.persistence.getRun(shipped);
      expect(a?.status).toBe("COMPLETED");
      expect(decodeValue(a?.output ?? null)).toEqual({
        orderId: "A-1",
        via: {
          shipping: { shipment: "S-A-1", packedFirst: "A-1" },
          notification: { sent: 42 },
        },
      });
      const b = await t.persistence.getRun(backordered);
      expect(decodeValue(b?.output ?? null)).toEqual({ orderId: "B-2", via: { backorder: "B-2" } });
      expect(calls).toEqual(["pack A-1", "ship A-1"]);
    });

    it("resumes a seed-style poll after a restart with its check count", async () => {
      const clock = new FakeClock(T0);
      const checks: number[] = [];
      const wf = workflow("step-style-poll")
        .poll("wait-for-result", {
          interval: 5_000,
          maxAttempts: 3,
          check: async (input: { operationId: string }, ctx) => {
            checks.push(clock.now().getTime() - T0);
            return ctx.check >= 3
              ? { done: true, result: { id: input.operationId } }
              : { done: false };
          },
        })
        .build();
      const before = kernelOn(fixture().ports, [wf], { clock });
      const { workflowRunId } = await before.kernel.dispatch({
        type: "run.create",
        workflowId: wf.id,
        input: { operationId: "op-9" },
      });
      await before.driver.tick();
      expect(checks).toEqual([0]);
      const after = kernelOn(await fixture().restart(), [wf], { clock });
      const run = await after.driver.runToCompletion(workflowRunId, { idleStepMs: 1_000 });
      expect(run.status).toBe("COMPLETED");
      expect(decodeValue(run.output)).toEqual({ id: "op-9" });
      expect(checks).toEqual([0, 5_000, 10_000]);
    });
  });
}
