/**
 * The examples of the seed's workflow guide (donkeylabs-workflows.md), ported to
 * `workflow()` and run end to end on a test kernel with a fake clock. The workflow
 * definitions are copied verbatim except for the import line; the plugins they call are
 * fakes handed to `createTestKernel({ plugins })`. Where the seed uses the legacy `job:` API
 * a handler stands in for the job (noted at each one).
 */
// biome-ignore-all lint/correctness/noUnusedFunctionParameters: the seed's code is copied verbatim
// biome-ignore-all lint/correctness/noUnusedVariables: the seed's code is copied verbatim
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type AnyWorkflow, decodeValue, workflow } from "../../src/index.js";
import { createTestKernel, type TestKernel } from "../../src/testing/index.js";

async function start(t: TestKernel, workflowId: string, input: unknown): Promise<string> {
  const { workflowRunId } = await t.kernel.dispatch({ type: "run.create", workflowId, input });
  return workflowRunId;
}

async function completedSteps(t: TestKernel, runId: string): Promise<string[]> {
  return (await t.persistence.listStages(runId))
    .filter((s) => s.status === "COMPLETED")
    .map((s) => s.stageId)
    .sort();
}

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

describe("seed: Complete Example (user-onboarding)", () => {
  // --- verbatim from the seed (Complete Example), without the server setup ---
  // Define workflow with inline handlers
  const onboardingWorkflow = workflow("user-onboarding")
    .timeout(86400000) // 24 hour max
    .defaultRetry({ maxAttempts: 3 })

    // First step: inputSchema validates workflow input
    .task("create-account", {
      inputSchema: z.object({
        email: z.string().email(),
        name: z.string(),
        plan: z.enum(["free", "pro", "enterprise"]),
      }),
      outputSchema: z.object({ userId: z.string() }),
      handler: async (input, ctx) => {
        const user = await ctx.plugins.users.create({
          email: input.email,
          name: input.name,
        });
        return { userId: user.id };
      },
    })

    // Subsequent steps: inputSchema maps previous output
    .task("send-welcome-email", {
      inputSchema: (prev, workflowInput) => ({
        to: workflowInput.email,
        template: "welcome" as const,
        userId: prev.userId,
      }),
      handler: async (input, ctx) => {
        await ctx.plugins.email.send(input);
        return { sent: true };
      },
    })

    .choice("check-plan", {
      choices: [
        {
          condition: (ctx) => ctx.input.plan === "enterprise",
          next: "enterprise-setup",
        },
      ],
      default: "standard-setup",
    })

    .task("enterprise-setup", {
      // After a choice step, use handler to access specific step outputs
      handler: async (input, ctx) => {
        const userId = ctx.steps["create-account"].userId;
        await ctx.plugins.accounts.setupEnterprise({
          userId,
          features: ["sso", "audit-logs", "dedicated-support"],
        });
        return { setup: "enterprise", userId };
      },
      next: "complete",
    })

    .task("standard-setup", {
      handler: async (input, ctx) => {
        const userId = ctx.steps["create-account"].userId;
        await ctx.plugins.accounts.setupStandard({ userId });
        return { setup: "standard", userId };
      },
      next: "complete",
    })

    .pass("complete", {
      transform: (ctx) => ({
        userId: ctx.steps["create-account"].userId,
        plan: ctx.input.plan,
        setupComplete: true,
      }),
      end: true,
    })
    .build();
  // --- end of the seed's code ---

  function kernel() {
    const calls: Array<[string, unknown]> = [];
    const t = createTestKernel({
      workflows: [onboardingWorkflow],
      plugins: {
        users: {
          create: async (user: { email: string; name: string }) => {
            calls.push(["users.create", user]);
            return { id: `user-${user.name.toLowerCase()}` };
          },
        },
        email: { send: async (mail: unknown) => void calls.push(["email.send", mail]) },
        accounts: {
          setupEnterprise: async (a: unknown) => void calls.push(["accounts.setupEnterprise", a]),
          setupStandard: async (a: unknown) => void calls.push(["accounts.setupStandard", a]),
        },
      },
    });
    return { t, calls };
  }

  it("carries the workflow settings: 24 h timeout, default retry", () => {
    expect(onboardingWorkflow.timeoutMs).toBe(86_400_000);
    expect(onboardingWorkflow.defaultRetry).toEqual({ maxAttempts: 3 });
  });

  it("enterprise plan: the enterprise setup runs, the standard one never", async () => {
    const { t, calls } = kernel();
    const input = { email: "ada@example.com", name: "Ada", plan: "enterprise" };
    const run = await t.driver.runToCompletion(await start(t, "user-onboarding", input));
    expect(run.status).toBe("COMPLETED");
    expect(decodeValue(run.output)).toEqual({
      userId: "user-ada",
      plan: "enterprise",
      setupComplete: true,
    });
    expect(calls).toEqual([
      ["users.create", { email: "ada@example.com", name: "Ada" }],
      ["email.send", { to: "ada@example.com", template: "welcome", userId: "user-ada" }],
      [
        "accounts.setupEnterprise",
        { userId: "user-ada", features: ["sso", "audit-logs", "dedicated-support"] },
      ],
    ]);
  });

  it("free plan: the choice's default runs the standard setup", async () => {
    const { t, calls } = kernel();
    const input = { email: "bob@example.com", name: "Bob", plan: "free" };
    const runId = await start(t, "user-onboarding", input);
    const run = await t.driver.runToCompletion(runId);
    expect(decodeValue(run.output)).toEqual({
      userId: "user-bob",
      plan: "free",
      setupComplete: true,
    });
    expect(calls.map(([name]) => name)).toEqual([
      "users.create",
      "email.send",
      "accounts.setupStandard",
    ]);
    expect(calls[2]?.[1]).toEqual({ userId: "user-bob" });
    expect(await completedSteps(t, runId)).toEqual([
      "check-plan",
      "complete",
      "create-account",
      "send-welcome-email",
      "standard-setup",
    ]);
  });

  it("rejects an input with an invalid email", async () => {
    const { t } = kernel();
    await expect(
      start(t, "user-onboarding", { email: "nope", name: "X", plan: "free" }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT", field: "input.email" });
  });
});

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
    const logs = await t.persistence.listLogs(runId);
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
    const logs = await t.persistence.listLogs(runId);
    expect(logs.map((l) => [l.stageId, l.message, l.data])).toEqual([
      ["process", "Processing order", { orderId: "o-7" }],
    ]);
  });
});

describe("seed: Retry Configuration", () => {
  it("steps use the default retry unless they override it; a failing step is retried", async () => {
    const attempts: Array<[string, number]> = [];
    let failures = 0;
    // The seed's steps are `{ job: "job1" }` / `{ job: "job2", retry }` (legacy job API):
    // handlers stand in for the jobs; step1's fails its first attempt.
    const retryWorkflow = workflow("example")
      .defaultRetry({
        maxAttempts: 3,
        intervalMs: 1000,
        backoffRate: 2,
        maxIntervalMs: 30000,
      })
      .task("step1", {
        handler: async (_input, ctx) => {
          attempts.push(["step1", ctx.attempt]);
          if (failures++ === 0) throw new Error("flaky");
          return { step: 1 };
        },
      }) // Uses default
      .task("step2", {
        handler: async (_input, ctx) => {
          attempts.push(["step2", ctx.attempt]);
          return { step: 2, maxAttempts: ctx.maxAttempts };
        },
        retry: { maxAttempts: 5 }, // Override
      })
      .build();
    expect(retryWorkflow.retryOf("step1")).toEqual({
      maxAttempts: 3,
      intervalMs: 1000,
      backoffRate: 2,
      maxIntervalMs: 30000,
    });
    expect(retryWorkflow.retryOf("step2")).toEqual({
      maxAttempts: 5,
      intervalMs: 1000,
      backoffRate: 2,
      maxIntervalMs: 30000,
    });
    const t = createTestKernel({ workflows: [retryWorkflow] });
    const t0 = t.clock.now().getTime();
    const runId = await start(t, "example", {});
    const run = await t.driver.runToCompletion(runId, { idleStepMs: 100 });
    expect(run.status).toBe("COMPLETED");
    expect(decodeValue(run.output)).toEqual({ step: 2, maxAttempts: 5 });
    expect(attempts).toEqual([
      ["step1", 1],
      ["step1", 2],
      ["step2", 1],
    ]);
    // The retry waited intervalMs (1 s) of fake time.
    expect(run.completedAt?.getTime()).toBe(t0 + 1_000);
  });
});

describe("seed: Workflow Timeout", () => {
  function timed(step2: () => Promise<unknown>): AnyWorkflow {
    // The seed's steps are `{ job: "job1" }` / `{ job: "job2" }` (legacy job API): handlers
    // stand in for the jobs.
    return workflow("example")
      .timeout(3600000) // 1 hour max
      .task("step1", { handler: async () => ({ step: 1 }) })
      .task("step2", { handler: step2 })
      .build();
  }

  it("a run that finishes within the hour completes", async () => {
    const wf = timed(async () => ({ step: 2 }));
    expect(wf.timeoutMs).toBe(3_600_000);
    const t = createTestKernel({ workflows: [wf] });
    const run = await t.driver.runToCompletion(await start(t, "example", {}));
    expect(run.status).toBe("COMPLETED");
    expect(decodeValue(run.output)).toEqual({ step: 2 });
  });

  it("a run still going after the hour ends TIMED_OUT", async () => {
    // step2 keeps failing (retried up to 100 times, 10 min apart): the hour passes first.
    const wf = workflow("example")
      .timeout(3600000)
      .task("step1", { handler: async () => ({ step: 1 }) })
      .task("step2", {
        handler: async () => {
          throw new Error("still down");
        },
        retry: { maxAttempts: 100, intervalMs: 600_000, backoffRate: 1 },
      })
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const t0 = t.clock.now().getTime();
    const run = await t.driver.runToCompletion(await start(t, "example", {}), {
      idleStepMs: 60_000,
    });
    expect(run.status).toBe("TIMED_OUT");
    expect(run.error).toMatchObject({ code: "WORKFLOW_TIMEOUT" });
    expect((run.completedAt?.getTime() ?? 0) - t0).toBeGreaterThanOrEqual(3_600_000);
  });
});
