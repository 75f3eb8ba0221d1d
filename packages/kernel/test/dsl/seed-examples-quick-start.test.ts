/**
 * The seed's workflow guide (donkeylabs-workflows.md), Quick Start: its process-order
 * workflow, ported to `workflow()` and run end to end on a test kernel with a fake clock.
 * The workflow definitions are copied verbatim except for the import line; the plugins they
 * call are fakes handed to `createTestKernel({ plugins })`.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeValue, workflow } from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";
import { completedSteps, start } from "./seed-examples-support.js";

describe("seed: Quick Start (process-order)", () => {
  // --- verbatim from the seed (Quick Start, 1. Define a Workflow) ---
  const orderWorkflow = workflow("process-order")
    // First task: inputSchema validates workflow input
    .task("validate", {
      inputSchema: z.object({ orderId: z.string() }),
      outputSchema: z.object({ valid: z.boolean(), inStock: z.boolean(), total: z.number() }),
      handler: async (input, ctx) => {
        const order = await ctx.plugins.orders.validate(input.orderId);
        return { valid: true, inStock: order.inStock, total: order.total };
      },
    })
    .choice("check-inventory", {
      choices: [
        {
          condition: (ctx) => ctx.steps.validate.inStock,
          next: "fulfill",
        },
      ],
      default: "backorder",
    })
    .parallel("fulfill", {
      branches: [
        workflow
          .branch("shipping")
          .task("ship", {
            // inputSchema as function: maps previous step output to this step's input
            inputSchema: (prev) => ({ orderId: prev.orderId }),
            handler: async (input, ctx) => {
              return await ctx.plugins.shipping.createShipment(input.orderId);
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
            handler: async (input, ctx) => {
              await ctx.plugins.email.sendConfirmation(input);
              return { sent: true };
            },
          })
          .build(),
      ],
      next: "complete",
    })
    // Subsequent tasks: inputSchema as function receives prev step output
    .task("backorder", {
      inputSchema: (prev) => ({ orderId: prev.orderId, total: prev.total }),
      handler: async (input, ctx) => {
        return await ctx.plugins.orders.createBackorder(input);
      },
      next: "complete",
    })
    .pass("complete", { end: true })
    .build();
  // --- end of the seed's code ---

  function kernel() {
    const calls: Record<string, unknown[]> = {
      validate: [],
      createShipment: [],
      sendConfirmation: [],
      createBackorder: [],
    };
    const record = (name: string, arg: unknown) => calls[name]?.push(arg);
    const t = createTestKernel({
      workflows: [orderWorkflow],
      plugins: {
        orders: {
          validate: async (orderId: string) => {
            record("validate", orderId);
            return { inStock: !orderId.startsWith("OOS-"), total: 99.5 };
          },
          createBackorder: async (input: unknown) => {
            record("createBackorder", input);
            return { backorderId: "BO-1", input };
          },
        },
        shipping: {
          createShipment: async (orderId: unknown) => {
            record("createShipment", orderId);
            return { shipmentId: "SHP-1", orderId };
          },
        },
        email: {
          sendConfirmation: async (input: unknown) => {
            record("sendConfirmation", input);
          },
        },
      },
    });
    return { t, calls };
  }

  it("in stock: both branches run, the backorder is skipped, complete ends the run", async () => {
    const { t, calls } = kernel();
    // The seed's start call, as a run.create (customerId is not in the first task's schema).
    const runId = await start(t, "process-order", { orderId: "ORD-123", customerId: "CUST-456" });
    const run = await t.driver.runToCompletion(runId);
    expect(run.status).toBe("COMPLETED");
    // "complete" hands on its input: the parallel's output, keyed by branch name. The seed's
    // "ship" mapper reads prev.orderId, but prev is validate's output (through the choice),
    // which has no orderId: the shipping plugin receives undefined (dropped when stored).
    expect(decodeValue(run.output)).toEqual({
      shipping: { shipmentId: "SHP-1" },
      notification: { sent: true },
    });
    expect(calls.validate).toEqual(["ORD-123"]);
    expect(calls.createShipment).toEqual([undefined]);
    expect(calls.sendConfirmation).toEqual([{ orderId: "ORD-123", total: 99.5 }]);
    expect(calls.createBackorder).toEqual([]);
    expect(await completedSteps(t, runId)).toEqual([
      "check-inventory",
      "complete",
      "fulfill",
      "notify",
      "ship",
      "validate",
    ]);
  });

  it("out of stock: the choice's default runs the backorder, then complete", async () => {
    const { t, calls } = kernel();
    const runId = await start(t, "process-order", { orderId: "OOS-9" });
    const run = await t.driver.runToCompletion(runId);
    expect(run.status).toBe("COMPLETED");
    // Again prev is validate's output: orderId is undefined, total is there.
    expect(calls.createBackorder).toEqual([{ orderId: undefined, total: 99.5 }]);
    expect(decodeValue(run.output)).toEqual({ backorderId: "BO-1", input: { total: 99.5 } });
    expect(calls.createShipment).toEqual([]);
    expect(calls.sendConfirmation).toEqual([]);
    expect(await completedSteps(t, runId)).toEqual([
      "backorder",
      "check-inventory",
      "complete",
      "validate",
    ]);
  });

  it("rejects a workflow input the first task's inputSchema rejects", async () => {
    const { t } = kernel();
    await expect(start(t, "process-order", { orderId: 42 })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });
});
