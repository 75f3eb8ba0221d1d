/**
 * The seed's workflow guide (donkeylabs-workflows.md), Complete Example: its user-onboarding
 * workflow, ported to `workflow()` and run end to end on a test kernel with a fake clock.
 * The workflow definitions are copied verbatim except for the import line; the plugins they
 * call are fakes handed to `createTestKernel({ plugins })`.
 */
// biome-ignore-all lint/correctness/noUnusedFunctionParameters: the seed's code is copied verbatim
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeValue, workflow } from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";
import { completedSteps, start } from "./seed-examples-support.js";

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
