/**
 * The seed's workflow guide (donkeylabs-workflows.md), the sections on step kinds and the
 * handler's context: Loop, Poll, Cross-Step Metadata and Workflow Context, ported to
 * `workflow()` and run on a test kernel with a fake clock. The seed's code is copied verbatim
 * (between the marked lines); the plugins it calls are fakes handed to
 * `createTestKernel({ plugins })`.
 */
// biome-ignore-all lint/correctness/noUnusedFunctionParameters: the seed's code is copied verbatim
// biome-ignore-all lint/correctness/noUnusedVariables: the seed's code is copied verbatim
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeValue, workflow } from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";
import { start } from "./seed-examples-support.js";

describe("seed: Loop", () => {
  it("increments until the condition is false, interval apart", async () => {
    // --- verbatim from the seed (Loop) ---
    const loopWorkflow = workflow("loop-example")
      .task("increment", {
        handler: async (input) => ({ count: (input.count ?? 0) + 1 }),
      })
      .loop("repeat", {
        condition: (ctx) => ctx.steps.increment.count < 3,
        target: "increment",
        interval: 1000,
        maxIterations: 10,
        timeout: 30000,
      })
      .build();
    // --- end of the seed's code ---
    const t = createTestKernel({ workflows: [loopWorkflow] });
    const t0 = t.clock.now().getTime();
    const runId = await start(t, "loop-example", {});
    const run = await t.driver.runToCompletion(runId, { idleStepMs: 250 });
    expect(run.status).toBe("COMPLETED");
    expect(decodeValue(run.output)).toEqual({ count: 3 });
    const starts = t.events
      .forRun(runId)
      .filter((e) => e.type === "workflow.step.loop")
      .map((e) => (e.payload as { iteration: number }).iteration);
    expect(starts).toEqual([1, 2]);
    // Two waits of 1 s: the run ended 2 s (of fake time) after it started.
    expect(run.completedAt?.getTime()).toBe(t0 + 2_000);
  });
});

describe("seed: Poll", () => {
  function pollKernel(states: Array<{ state: string; data?: unknown; error?: string }>) {
    const asked: string[] = [];
    const fetchStatus = async (operationId: string) => {
      asked.push(operationId);
      return states[Math.min(asked.length, states.length) - 1] as {
        state: string;
        data?: unknown;
        error?: string;
      };
    };
    // --- verbatim from the seed (Poll) ---
    const pollWorkflow = workflow("batch.status")
      .poll("wait-for-result", {
        interval: 5000,
        timeout: 600000,
        maxAttempts: 120,
        check: async (input, ctx) => {
          const status = await fetchStatus(input.operationId);
          if (status.state === "FAILED") throw new Error(status.error);
          if (status.state === "SUCCEEDED") {
            return { done: true, result: status.data };
          }
          return { done: false };
        },
      })
      .build();
    // --- end of the seed's code ---
    return { t: createTestKernel({ workflows: [pollWorkflow] }), asked };
  }

  it("checks every interval until the status is SUCCEEDED; the result is the output", async () => {
    const { t, asked } = pollKernel([
      { state: "RUNNING" },
      { state: "RUNNING" },
      { state: "SUCCEEDED", data: { rows: 7 } },
    ]);
    const t0 = t.clock.now().getTime();
    const run = await t.driver.runToCompletion(
      await start(t, "batch.status", { operationId: "op-1" }),
    );
    expect(run.status).toBe("COMPLETED");
    expect(decodeValue(run.output)).toEqual({ rows: 7 });
    expect(asked).toEqual(["op-1", "op-1", "op-1"]);
    expect(run.completedAt?.getTime()).toBe(t0 + 10_000);
  });

  it("fails the run with the error a check throws", async () => {
    const { t } = pollKernel([{ state: "RUNNING" }, { state: "FAILED", error: "quota exceeded" }]);
    const run = await t.driver.runToCompletion(
      await start(t, "batch.status", { operationId: "op-2" }),
    );
    expect(run.status).toBe("FAILED");
    expect(run.error).toMatchObject({ code: "POLL_CHECK_FAILED", message: "quota exceeded" });
  });
});

describe("seed: Cross-Step Metadata", () => {
  it("metadata set by validate is read and updated by fulfill", async () => {
    type Customer = { id: string }; // the seed leaves Customer to the reader
    const flags: unknown[] = [];
    const metadataWorkflow = workflow("metadata-example")
      // --- verbatim from the seed (Cross-Step Metadata) ---
      .task("validate", {
        inputSchema: z.object({ orderId: z.string() }),
        handler: async (input, ctx) => {
          // Store correlation ID for logging/tracing across steps
          await ctx.setMetadata("correlationId", crypto.randomUUID());

          // Store complex context that multiple steps need
          await ctx.setMetadata("orderContext", {
            customer: await ctx.plugins.customers.getByOrder(input.orderId),
            flags: { expedited: false, giftWrap: false },
          });

          return { valid: true };
        },
      })
      .task("fulfill", {
        handler: async (input, ctx) => {
          // Read metadata from previous steps
          const correlationId = ctx.getMetadata<string>("correlationId");
          const orderCtx = ctx.getMetadata<{ customer: Customer; flags: object }>("orderContext");

          ctx.core.logger.info("Fulfilling order", {
            correlationId,
            customer: orderCtx?.customer.id,
          });

          // Update metadata for downstream steps
          await ctx.setMetadata("orderContext", {
            ...orderCtx,
            flags: { ...orderCtx?.flags, fulfilled: true },
          });

          return { shipped: true };
        },
      })
      // --- end of the seed's code ---
      .pass("after", {
        transform: (ctx) => {
          flags.push(ctx.getMetadata("orderContext"));
          return ctx.prev;
        },
      })
      .build();
    const t = createTestKernel({
      workflows: [metadataWorkflow],
      plugins: {
        customers: { getByOrder: async (orderId: string) => ({ id: `cust-${orderId}` }) },
      },
    });
    const runId = await start(t, "metadata-example", { orderId: "o-1" });
    const run = await t.driver.runToCompletion(runId);
    expect(run.status).toBe("COMPLETED");
    expect(decodeValue(run.output)).toEqual({ shipped: true });
    const metadata = decodeValue<Record<string, unknown>>(run.metadata);
    expect(metadata.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(metadata.orderContext).toEqual({
      customer: { id: "cust-o-1" },
      flags: { expedited: false, giftWrap: false, fulfilled: true },
    });
    expect(flags).toEqual([metadata.orderContext]);
    const logs = await t.queries.listLogs(runId);
    expect(logs.map((l) => [l.stageId, l.level, l.message, l.data])).toEqual([
      [
        "fulfill",
        "info",
        "Fulfilling order",
        { correlationId: metadata.correlationId, customer: "cust-o-1" },
      ],
    ]);
  });
});

describe("seed: Workflow Context", () => {
  it("getStepResult, plugins and core.logger in a handler", async () => {
    const contextWorkflow = workflow("context-example")
      .task("calculate", { handler: async () => ({ amount: 120 }) })
      // --- verbatim from the seed (Workflow Context) ---
      .task("process", {
        inputSchema: (prev, workflowInput) => ({
          orderId: workflowInput.orderId,
          validationResult: prev, // prev = output from previous step
        }),
        handler: async (input, ctx) => {
          // Access any step's output
          const calcResult = ctx.getStepResult<{ amount: number }>("calculate");

          // Access plugin services
          const order = await ctx.plugins.orders.getById(input.orderId);

          // Use core services
          ctx.core.logger.info("Processing order", { orderId: input.orderId });

          return { processed: true, amount: calcResult?.amount };
        },
      })
      // --- end of the seed's code ---
      .build();
    const seen: unknown[] = [];
    const t = createTestKernel({
      workflows: [contextWorkflow],
      plugins: { orders: { getById: async (id: string) => void seen.push(id) } },
    });
    const runId = await start(t, "context-example", { orderId: "o-7" });
    const run = await t.driver.runToCompletion(runId);
    expect(decodeValue(run.output)).toEqual({ processed: true, amount: 120 });
    expect(seen).toEqual(["o-7"]);
    const logs = await t.queries.listLogs(runId);
    expect(logs.map((l) => [l.stageId, l.message, l.data])).toEqual([
      ["process", "Processing order", { orderId: "o-7" }],
    ]);
  });
});
