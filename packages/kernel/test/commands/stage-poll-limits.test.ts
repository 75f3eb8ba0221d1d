/**
 * A suspended stage cannot wait forever: it has a time limit by default (the kernel's
 * `suspendMaxWaitMs`, 7 days), and a `checkCompletion` that throws on `maxPollErrors` checks in
 * a row fails it with `POLL_CHECK_FAILED`, keeping the last error. A check that answers starts
 * the count again; a stage suspended before limits were stored keeps waiting without one.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineAsyncBatchStage, defineWorkflow, type PollConfig } from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";

const DAY = 24 * 60 * 60 * 1000;

/** A workflow whose one stage suspends with `pollConfig` and whose check does what `check` says. */
function pollingWorkflow(pollConfig: PollConfig, check: () => "throw" | "wait" | "ready") {
  const calls = { checks: 0 };
  const stage = defineAsyncBatchStage({
    id: "wait",
    name: "Wait",
    schemas: { input: z.object({}), output: z.object({ ok: z.boolean() }) },
    execute: () => ({ suspended: true as const, state: {}, pollConfig }),
    checkCompletion: () => {
      calls.checks++;
      const what = check();
      if (what === "throw") throw new TypeError(`provider unreachable (check ${calls.checks})`);
      return what === "ready"
        ? { ready: true as const, output: { ok: true } }
        : { ready: false as const };
    },
  });
  const workflow = defineWorkflow({
    id: "polling",
    name: "Polling",
    input: z.object({}),
    output: z.object({ ok: z.boolean() }),
  })
    .pipe(stage)
    .build();
  return { workflow, calls };
}

/** Starts a run and executes its stage until it suspends. */
async function suspended(t: ReturnType<typeof createTestKernel>) {
  const { workflowRunId } = await t.kernel.dispatch({
    type: "run.create",
    workflowId: "polling",
    input: {},
  });
  await t.driver.tick();
  expect(await t.persistence.getStage(workflowRunId, "wait")).toMatchObject({
    status: "SUSPENDED",
  });
  return workflowRunId;
}

/** Polls once, `intervalMs` later. */
async function pollAfter(t: ReturnType<typeof createTestKernel>, intervalMs: number) {
  t.clock.advance(intervalMs);
  return t.kernel.dispatch({ type: "stage.pollSuspended", workerId: "w" });
}

describe("suspended stage limits", () => {
  it("fails with POLL_CHECK_FAILED after maxPollErrors checks in a row threw, keeping the last error", async () => {
    const { workflow, calls } = pollingWorkflow({ pollIntervalMs: 1_000 }, () => "throw");
    const t = createTestKernel({ workflows: [workflow], options: { maxPollErrors: 4 } });
    const runId = await suspended(t);
    for (let i = 1; i <= 3; i++) {
      expect(await pollAfter(t, 1_000)).toMatchObject({ checked: 1, stillWaiting: 1 });
      const stage = await t.persistence.getStage(runId, "wait");
      expect(stage?.pollConfig).toMatchObject({
        errors: i,
        lastError: { code: expect.any(String), message: `provider unreachable (check ${i})` },
      });
    }
    expect(await pollAfter(t, 1_000)).toMatchObject({ checked: 1, failed: 1 });
    expect(calls.checks).toBe(4);
    const run = await t.persistence.getRun(runId);
    expect(run?.status).toBe("FAILED");
    expect(run?.error?.code).toBe("POLL_CHECK_FAILED");
    expect(run?.error?.message).toContain("threw on 4 checks in a row");
    expect(run?.error?.message).toContain("provider unreachable (check 4)");
    // Nothing polls it any more.
    expect(await pollAfter(t, 1_000)).toMatchObject({ checked: 0 });
  });

  it("starts the count again when a check answers; the stage's own maxPollErrors wins", async () => {
    const script = ["throw", "throw", "wait", "throw", "throw", "ready"] as const;
    let n = 0;
    const { workflow } = pollingWorkflow(
      { pollIntervalMs: 1_000, maxPollErrors: 3 },
      () => script[n++] ?? "wait",
    );
    const t = createTestKernel({ workflows: [workflow], options: { maxPollErrors: 1 } });
    const runId = await suspended(t);
    for (let i = 0; i < script.length; i++) await pollAfter(t, 1_000);
    const run = await t.persistence.getRun(runId);
    expect(run).toMatchObject({ status: "COMPLETED", output: { ok: true } });
  });

  it("a check that never says ready fails at the kernel's default limit (7 days)", async () => {
    const { workflow } = pollingWorkflow({ pollIntervalMs: DAY }, () => "wait");
    const t = createTestKernel({ workflows: [workflow] });
    const runId = await suspended(t);
    expect((await t.persistence.getStage(runId, "wait"))?.pollConfig).toMatchObject({
      maxWaitMs: 7 * DAY,
    });
    for (let day = 1; day < 7; day++) {
      expect(await pollAfter(t, DAY)).toMatchObject({ stillWaiting: 1 });
    }
    expect(await pollAfter(t, DAY)).toMatchObject({ failed: 1 });
    const run = await t.persistence.getRun(runId);
    expect(run?.error).toMatchObject({ code: "SUSPEND_TIMEOUT" });
  });

  it("maxWaitMs: Infinity (per stage or as the kernel's default) waits without a limit", async () => {
    for (const [pollConfig, options] of [
      [{ pollIntervalMs: 30 * DAY, maxWaitMs: Number.POSITIVE_INFINITY }, {}],
      [{ pollIntervalMs: 30 * DAY }, { suspendMaxWaitMs: Number.POSITIVE_INFINITY }],
    ] as const) {
      const { workflow } = pollingWorkflow(pollConfig, () => "wait");
      const t = createTestKernel({ workflows: [workflow], options });
      const runId = await suspended(t);
      expect((await t.persistence.getStage(runId, "wait"))?.pollConfig).toMatchObject({
        maxWaitMs: null,
      });
      for (let i = 0; i < 12; i++) await pollAfter(t, 30 * DAY);
      expect((await t.persistence.getRun(runId))?.status).toBe("RUNNING");
    }
  });

  it("a stage suspended before limits were stored keeps waiting without one", async () => {
    const { workflow } = pollingWorkflow({ pollIntervalMs: 30 * DAY }, () => "wait");
    const t = createTestKernel({ workflows: [workflow] });
    const runId = await suspended(t);
    const stage = await t.persistence.getStage(runId, "wait");
    const {
      maxWaitMs: _dropped,
      maxPollErrors: _too,
      ...legacy
    } = (stage?.pollConfig ?? {}) as Record<string, unknown>;
    await t.persistence.withTransaction((tx) =>
      tx.updateStage(stage?.id ?? "", { pollConfig: legacy as never }, { now: t.clock.now() }),
    );
    for (let i = 0; i < 12; i++) await pollAfter(t, 30 * DAY);
    expect((await t.persistence.getRun(runId))?.status).toBe("RUNNING");
  });

  it("refuses limits it cannot work with", async () => {
    const { workflow } = pollingWorkflow({ pollIntervalMs: 1_000, maxPollErrors: 0 }, () => "wait");
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "polling",
      input: {},
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.error).toMatchObject({ code: "INVALID_POLL_CONFIG" });
    expect(() =>
      createTestKernel({ workflows: [workflow], options: { maxPollErrors: 0 } }),
    ).toThrow(/maxPollErrors/);
    expect(() =>
      createTestKernel({ workflows: [workflow], options: { suspendMaxWaitMs: -1 } }),
    ).toThrow(/suspendMaxWaitMs/);
  });
});
