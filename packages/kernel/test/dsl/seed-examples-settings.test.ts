/**
 * The seed's workflow guide (donkeylabs-workflows.md), the sections on workflow settings:
 * Retry Configuration and Workflow Timeout, ported to `workflow()` and run on a test kernel
 * with a fake clock. The seed uses the legacy `job:` API there: a handler stands in for each
 * job (noted at each one).
 */
import { describe, expect, it } from "vitest";
import { type AnyWorkflow, decodeValue, workflow } from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";
import { start } from "./seed-examples-support.js";

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
