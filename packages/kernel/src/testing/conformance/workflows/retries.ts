/**
 * Retry policies on a real store: scheduled back-off (`intervalMs`, `backoffRate`,
 * `maxIntervalMs`, `jitter`), `retryOn`, a workflow's `defaultRetry`, `NonRetryableError`,
 * and a restart in the middle of a back-off delay.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { StageRetryPolicy } from "../../../dsl/retry-policy.js";
import { defineStage } from "../../../dsl/stage.js";
import { defineWorkflow } from "../../../dsl/workflow.js";
import { NonRetryableError } from "../../../errors.js";
import { FakeClock } from "../../fake-clock.js";
import { T0 } from "../shared.js";
import { kernelOn, payloadsOf, type WorkflowFixture } from "./fixture.js";

const io = { input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) };

/** A one-stage workflow whose stage throws `errors[i]` on attempt i+1, then returns. */
function failing(
  clock: FakeClock,
  id: string,
  errors: readonly Error[],
  retry?: StageRetryPolicy,
  defaultRetry?: StageRetryPolicy,
) {
  const attemptsAt: number[] = [];
  const stage = defineStage({
    id: "work",
    name: "Work",
    schemas: io,
    ...(retry ? { retry } : {}),
    execute: (ctx) => {
      attemptsAt.push(clock.now().getTime() - T0);
      const error = errors[ctx.attempt - 1];
      if (error) throw error;
      return { n: ctx.input.n + 1 };
    },
  });
  const workflow = defineWorkflow({
    id,
    name: id,
    input: io.input,
    output: io.output,
    ...(defaultRetry ? { defaultRetry } : {}),
  })
    .pipe(stage)
    .build();
  return { workflow, attemptsAt };
}

function coded(code: string, message = `failed with ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

/** Registers the retry tests. */
export function retryTests(fixture: () => WorkflowFixture): void {
  describe("retry policies", () => {
    it("waits intervalMs × backoffRate^(n−1), capped at maxIntervalMs, as scheduled retries", async () => {
      const clock = new FakeClock(T0);
      const { workflow, attemptsAt } = failing(
        clock,
        "retry-backoff",
        [coded("FLAKY"), coded("FLAKY"), coded("FLAKY")],
        { maxAttempts: 4, intervalMs: 1_000, backoffRate: 3, maxIntervalMs: 5_000 },
      );
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: { n: 1 },
      });
      const run = await t.driver.runToCompletion(workflowRunId, { idleStepMs: 500 });
      expect(run.status).toBe("COMPLETED");
      // 1 s, then 3 s, then 9 s capped to 5 s; the clock only moved in 500 ms steps, so an
      // attempt that ran early would show up here.
      expect(attemptsAt).toEqual([0, 1_000, 4_000, 9_000]);
      const retries = payloadsOf(t, workflowRunId, "workflow.step.retry");
      expect(retries.map((r) => [r.attempt, r.maxAttempts, r.delayMs])).toEqual([
        [1, 4, 1_000],
        [2, 4, 3_000],
        [3, 4, 5_000],
      ]);
      expect(retries.map((r) => (r.error as { code: string }).code)).toEqual([
        "FLAKY",
        "FLAKY",
        "FLAKY",
      ]);
    });

    it("takes up to `jitter` of each delay off, from the kernel's random source", async () => {
      const clock = new FakeClock(T0);
      const { workflow, attemptsAt } = failing(clock, "retry-jitter", [coded("FLAKY")], {
        intervalMs: 2_000,
        backoffRate: 1,
        jitter: 0.5,
      });
      const t = kernelOn(fixture().ports, [workflow], { clock, random: () => 0.5 });
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: { n: 1 },
      });
      await t.driver.runToCompletion(workflowRunId, { idleStepMs: 100 });
      // 2 000 ms less half of the 50 % jitter window.
      expect(attemptsAt).toEqual([0, 1_500]);
      expect(payloadsOf(t, workflowRunId, "workflow.step.retry")[0]?.delayMs).toBe(1_500);
    });

    it("retries only errors retryOn matches, by code, name or message", async () => {
      const clock = new FakeClock(T0);
      const named = new Error("transient");
      named.name = "TransientError";
      const { workflow, attemptsAt } = failing(
        clock,
        "retry-on",
        [
          coded("RATE_LIMITED"),
          named,
          new Error("upstream Timeout after 30 s"),
          coded("BAD_INPUT"),
        ],
        {
          maxAttempts: 10,
          intervalMs: 10,
          retryOn: ["RATE_LIMITED", "TransientError", /timeout/i],
        },
      );
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: { n: 1 },
      });
      const run = await t.driver.runToCompletion(workflowRunId, { idleStepMs: 10 });
      expect(run.status).toBe("FAILED");
      expect(run.error).toMatchObject({ code: "BAD_INPUT", stageId: "work" });
      expect(attemptsAt).toHaveLength(4);
      expect(payloadsOf(t, workflowRunId, "workflow.step.retry")).toHaveLength(3);
      expect(payloadsOf(t, workflowRunId, "workflow.step.failed")).toEqual([
        expect.objectContaining({ stageId: "work", attempt: 4 }),
      ]);
    });

    it("applies the workflow's defaultRetry to stages, each stage's own fields over it", async () => {
      const clock = new FakeClock(T0);
      const defaults: StageRetryPolicy = { maxAttempts: 2, intervalMs: 100, backoffRate: 2 };
      const always = Array.from({ length: 5 }, () => coded("DOWN"));
      const plain = failing(clock, "retry-default", always, undefined, defaults);
      const own = failing(clock, "retry-default-own", always, { maxAttempts: 3 }, defaults);
      const t = kernelOn(fixture().ports, [plain.workflow, own.workflow], { clock });
      const a = await t.kernel.dispatch({
        type: "run.create",
        workflowId: plain.workflow.id,
        input: { n: 1 },
      });
      const b = await t.kernel.dispatch({
        type: "run.create",
        workflowId: own.workflow.id,
        input: { n: 1 },
      });
      await t.driver.drain({ idleStepMs: 50 });
      expect((await t.persistence.getRun(a.workflowRunId))?.status).toBe("FAILED");
      expect((await t.persistence.getRun(b.workflowRunId))?.status).toBe("FAILED");
      expect(plain.attemptsAt).toEqual([0, 100]);
      // maxAttempts from the stage; intervalMs and backoffRate still from the default.
      expect(own.attemptsAt).toEqual([0, 100, 300]);
    });

    it("never retries a NonRetryableError", async () => {
      const clock = new FakeClock(T0);
      const { workflow, attemptsAt } = failing(
        clock,
        "retry-non-retryable",
        [new NonRetryableError("the card was declined", { code: "CARD_DECLINED" })],
        { maxAttempts: 5 },
      );
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: { n: 1 },
      });
      const run = await t.driver.runToCompletion(workflowRunId);
      expect(run.status).toBe("FAILED");
      expect(run.error?.code).toBe("CARD_DECLINED");
      expect(attemptsAt).toEqual([0]);
      expect(payloadsOf(t, workflowRunId, "workflow.step.retry")).toEqual([]);
    });

    it("ignores a redelivery of an attempt that already failed: the back-off is kept", async () => {
      const clock = new FakeClock(T0);
      const { workflow, attemptsAt } = failing(clock, "retry-redelivered", [coded("FLAKY")], {
        intervalMs: 1_000,
      });
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: { n: 1 },
      });
      await t.kernel.dispatch({ type: "run.claimPending", workerId: "w" });
      const [job] = await t.jobTransport.dequeue({
        workerId: "w",
        limit: 1,
        leaseMs: 30_000,
        now: clock.now(),
      });
      if (!job) throw new Error("no job to execute");
      const first = await t.kernel.dispatch({ type: "job.execute", workerId: "w", job });
      expect(first.outcome).toBe("retrying");
      // The same message again, as an at-least-once queue delivers it: ids only, so the kernel
      // reads the run as it is now and does not run the stage.
      const { snapshot: _dequeuedState, ...message } = job;
      const again = await t.kernel.dispatch({ type: "job.execute", workerId: "w", job: message });
      expect(again.outcome).toBe("skipped");
      expect(attemptsAt).toEqual([0]);
      // The very job object again, with the state it was dequeued with: the stage may run on
      // that stale state, but its failure is not committed (the attempt no longer holds the
      // job, which waits for its retry).
      const stale = await t.kernel.dispatch({ type: "job.execute", workerId: "w", job });
      expect(stale.outcome).toBe("skipped");

      const run = await t.driver.runToCompletion(workflowRunId, { idleStepMs: 100 });
      expect(run.status).toBe("COMPLETED");
      // Attempt 2 ran once, when its back-off was over; attempt 1 failed once.
      expect(attemptsAt.filter((ms) => ms > 0)).toEqual([1_000]);
      expect(payloadsOf(t, workflowRunId, "workflow.step.retry").map((r) => r.attempt)).toEqual([
        1,
      ]);
    });

    it("resumes a back-off delay after a restart, at the time it was scheduled for", async () => {
      const clock = new FakeClock(T0);
      const { workflow, attemptsAt } = failing(clock, "retry-restart", [coded("FLAKY")], {
        intervalMs: 10 * 60_000,
      });
      const before = kernelOn(fixture().ports, [workflow], { clock });
      const { workflowRunId } = await before.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: { n: 1 },
      });
      await before.driver.tick();
      expect(attemptsAt).toEqual([0]);
      expect((await before.persistence.getStage(workflowRunId, "work"))?.status).toBe("PENDING");

      const after = kernelOn(await fixture().restart(), [workflow], { clock });
      clock.advance(10 * 60_000 - 1);
      await after.driver.tick();
      expect(attemptsAt).toEqual([0]);
      const run = await after.driver.runToCompletion(workflowRunId, { idleStepMs: 1 });
      expect(run.status).toBe("COMPLETED");
      expect(attemptsAt).toEqual([0, 10 * 60_000]);
    });
  });
}
