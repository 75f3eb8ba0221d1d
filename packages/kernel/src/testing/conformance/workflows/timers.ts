/**
 * Waiting on a real store: durable sleeps (for a time and until a date), poll steps (done,
 * timeout, maxAttempts, a throwing check), the workflow timeout, and restarts in the middle of
 * a sleep and of a poll. Every wait is fake time; nothing sleeps.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeValue } from "../../../codec.js";
import { defineStage } from "../../../dsl/stage.js";
import { defineWorkflow } from "../../../dsl/workflow.js";
import { NonRetryableError, RatchetError } from "../../../errors.js";
import { FakeClock } from "../../fake-clock.js";
import { T0 } from "../shared.js";
import { kernelOn, payloadsOf, start, task, type WorkflowFixture } from "./fixture.js";

const any = z.any();

/** A poll whose status source says "done" from check `doneAt` on (never, when undefined). */
function polling(
  id: string,
  clock: FakeClock,
  checks: number[],
  options: { doneAt?: number; failAt?: number; timeoutMs?: number; maxAttempts?: number },
) {
  return defineWorkflow({ id, name: id, input: any, output: any })
    .poll("wait-for-result", {
      intervalMs: 5_000,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
      check: async (input: { operationId: string }, ctx) => {
        checks.push(clock.now().getTime() - T0);
        if (ctx.check === options.failAt) {
          throw Object.assign(new Error("the operation failed upstream"), { code: "UPSTREAM" });
        }
        if (options.doneAt !== undefined && ctx.check >= options.doneAt) {
          return { done: true, result: { operationId: input.operationId, checks: ctx.check } };
        }
        return { done: false };
      },
    })
    .build();
}

/** Registers the timer tests. */
export function timerTests(fixture: () => WorkflowFixture): void {
  describe("sleep", () => {
    it("waits its time with the stage suspended, then hands its input on", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const workflow = defineWorkflow({ id: "sleep-ms", name: "Sleep", input: any, output: any })
        .pipe(task("before", clock, runs, (x) => ({ got: x })))
        .sleep("nap", 60_000)
        .pipe(task("after", clock, runs))
        .build();
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(t, workflow.id, { n: 1 });
      await t.driver.tick();
      await t.driver.tick();
      const nap = (await t.persistence.listStages(runId)).find((s) => s.stageId === "nap");
      expect(nap?.status).toBe("SUSPENDED");
      expect(payloadsOf(t, runId, "workflow.step.sleeping")).toMatchObject([
        { stageId: "nap", until: new Date(T0 + 60_000).toISOString() },
      ]);
      const run = await t.driver.runToCompletion(runId, { idleStepMs: 10_000 });
      expect(run.status).toBe("COMPLETED");
      expect(decodeValue(run.output)).toEqual({ got: { n: 1 } });
      expect(runs).toEqual([
        ["before", 0],
        ["after", 60_000],
      ]);
    });

    it("waits until a date computed from the run's context", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const workflow = defineWorkflow({ id: "sleep-until", name: "Until", input: any, output: any })
        .sleep("until-due", {
          until: (ctx) => new Date((ctx.input as { dueAt: string }).dueAt),
        })
        .pipe(task("remind", clock, runs))
        .build();
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const dueAt = new Date(T0 + 3 * 3_600_000).toISOString();
      const run = await t.driver.runToCompletion(await start(t, workflow.id, { dueAt }), {
        idleStepMs: 600_000,
      });
      expect(run.status).toBe("COMPLETED");
      expect(runs).toEqual([["remind", 3 * 3_600_000]]);
    });

    it("wakes at its time after a restart in the middle of the sleep", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const workflow = defineWorkflow({ id: "sleep-restart", name: "S", input: any, output: any })
        .sleep("nap", 3_600_000)
        .pipe(task("after", clock, runs))
        .build();
      const before = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(before, workflow.id, { x: 1 });
      await before.driver.tick();
      clock.advance(1_800_000);
      await before.driver.tick();
      expect(runs).toEqual([]);

      const after = kernelOn(await fixture().restart(), [workflow], { clock });
      const run = await after.driver.runToCompletion(runId, { idleStepMs: 60_000 });
      expect(run.status).toBe("COMPLETED");
      expect(runs).toEqual([["after", 3_600_000]]);
    });
  });

  describe("poll", () => {
    it("checks at once and then every interval until done; the result is the output", async () => {
      const clock = new FakeClock(T0);
      const checks: number[] = [];
      const workflow = polling("poll-done", clock, checks, { doneAt: 3 });
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(t, workflow.id, { operationId: "op-1" });
      const run = await t.driver.runToCompletion(runId, { idleStepMs: 1_000 });
      expect(run.status).toBe("COMPLETED");
      expect(decodeValue(run.output)).toEqual({ operationId: "op-1", checks: 3 });
      expect(checks).toEqual([0, 5_000, 10_000]);
      expect(payloadsOf(t, runId, "workflow.step.poll").map((p) => [p.check, p.done])).toEqual([
        [1, false],
        [2, false],
      ]);
    });

    it("fails with POLL_TIMEOUT once it has waited longer than timeoutMs", async () => {
      const clock = new FakeClock(T0);
      const checks: number[] = [];
      const workflow = polling("poll-timeout", clock, checks, { timeoutMs: 12_000 });
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const run = await t.driver.runToCompletion(await start(t, workflow.id, { operationId: "o" }));
      expect(run.status).toBe("FAILED");
      expect(run.error).toMatchObject({ code: "POLL_TIMEOUT", stageId: "wait-for-result" });
      expect(checks).toEqual([0, 5_000, 10_000, 15_000]);
    });

    it("fails with POLL_MAX_ATTEMPTS after maxAttempts checks", async () => {
      const clock = new FakeClock(T0);
      const checks: number[] = [];
      const workflow = polling("poll-max", clock, checks, { maxAttempts: 3 });
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const run = await t.driver.runToCompletion(await start(t, workflow.id, { operationId: "o" }));
      expect(run.status).toBe("FAILED");
      expect(run.error).toMatchObject({ code: "POLL_MAX_ATTEMPTS", stageId: "wait-for-result" });
      expect(checks).toHaveLength(3);
    });

    it("fails with the error a check throws, first check or later", async () => {
      for (const failAt of [1, 2]) {
        const clock = new FakeClock(T0);
        const checks: number[] = [];
        const workflow = polling(`poll-throws-${failAt}`, clock, checks, { failAt });
        const t = kernelOn(fixture().ports, [workflow], { clock });
        const run = await t.driver.runToCompletion(
          await start(t, workflow.id, { operationId: "o" }),
        );
        expect(run.status).toBe("FAILED");
        expect(run.error).toMatchObject({
          code: "UPSTREAM",
          message: "the operation failed upstream",
        });
        expect(checks).toHaveLength(failAt);
      }
    });

    it("resumes after a restart with its check count where it was", async () => {
      const clock = new FakeClock(T0);
      const checks: number[] = [];
      const workflow = polling("poll-restart", clock, checks, { doneAt: 4, maxAttempts: 4 });
      const before = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(before, workflow.id, { operationId: "op-r" });
      await before.driver.tick();
      clock.advance(5_000);
      await before.driver.tick();
      expect(checks).toEqual([0, 5_000]);

      const after = kernelOn(await fixture().restart(), [workflow], { clock });
      const run = await after.driver.runToCompletion(runId, { idleStepMs: 1_000 });
      expect(run.status).toBe("COMPLETED");
      // Check 4 is the last maxAttempts allows, and it is done: the count survived.
      expect(decodeValue(run.output)).toEqual({ operationId: "op-r", checks: 4 });
      expect(checks).toEqual([0, 5_000, 10_000, 15_000]);
    });
  });

  describe("stage timeout", () => {
    it("an attempt its host aborts for its timeout fails STAGE_TIMEOUT and is retried", async () => {
      const clock = new FakeClock(T0);
      let attempts = 0;
      let running = () => {};
      const started = new Promise<void>((resolve) => {
        running = resolve;
      });
      const slow = defineStage({
        id: "slow",
        name: "Slow",
        timeoutMs: 30_000,
        retry: { maxAttempts: 2, intervalMs: 1_000 },
        schemas: { input: any, output: any },
        execute: (ctx) => {
          attempts++;
          if (attempts > 1) return { attempts };
          // The first attempt hangs until its signal fires, as a stuck call would.
          return new Promise((_, reject) => {
            ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
            running();
          });
        },
      });
      const workflow = defineWorkflow({ id: "stage-timeout", name: "T", input: any, output: any })
        .pipe(slow)
        .build();
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(t, workflow.id, {});
      await t.kernel.dispatch({ type: "run.claimPending", workerId: "w" });
      const [job] = await t.jobTransport.dequeue({
        workerId: "w",
        limit: 1,
        leaseMs: 60_000,
        now: clock.now(),
      });
      if (!job) throw new Error("no job");
      // What a host does when the stage's timeoutMs (carried in the job) passes.
      expect(job.payload.timeoutMs).toBe(30_000);
      const controller = new AbortController();
      const pending = t.kernel.dispatch({
        type: "job.execute",
        workerId: "w",
        job,
        signal: controller.signal,
      });
      await started;
      clock.advance(30_000);
      controller.abort(
        new RatchetError("STAGE_TIMEOUT", '[ratchet] stage "slow" timed out after 30000 ms'),
      );
      const result = await pending;
      expect(result).toMatchObject({ outcome: "retrying", error: { code: "STAGE_TIMEOUT" } });
      const run = await t.driver.runToCompletion(runId, { idleStepMs: 500 });
      expect(run.status).toBe("COMPLETED");
      expect(decodeValue(run.output)).toEqual({ attempts: 2 });
    });
  });

  describe("workflow timeout", () => {
    it("ends a run still going after timeoutMs TIMED_OUT, cancelling what was left", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const workflow = defineWorkflow({
        id: "wf-timeout",
        name: "Timeout",
        input: any,
        output: any,
        timeoutMs: 30_000,
      })
        .pipe(task("first", clock, runs))
        .sleep("long-wait", 3_600_000)
        .pipe(task("never", clock, runs))
        .build();
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(t, workflow.id, {});
      const run = await t.driver.runToCompletion(runId, { idleStepMs: 10_000 });
      expect(run.status).toBe("TIMED_OUT");
      expect(run.error).toMatchObject({ code: "WORKFLOW_TIMEOUT" });
      expect(run.completedAt?.getTime()).toBe(T0 + 30_000);
      expect(runs).toEqual([["first", 0]]);
      const stages = await t.persistence.listStages(runId);
      expect(stages.find((s) => s.stageId === "long-wait")?.status).toBe("CANCELLED");
      expect(payloadsOf(t, runId, "workflow.failed")).toMatchObject([
        { status: "TIMED_OUT", error: { code: "WORKFLOW_TIMEOUT" } },
      ]);
      // The wake-up of the cancelled sleep is gone with the run's timers.
      clock.advance(7_200_000);
      const later = await t.driver.tick();
      expect(later.fired).toBe(0);
    });

    it("drops the timeout of a run that ended in time, completed or failed", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const timed = (id: string) =>
        defineWorkflow({ id, name: id, input: any, output: any, timeoutMs: 30_000 });
      const refuse = () => {
        throw new NonRetryableError("refused");
      };
      const workflows = [
        // One stage: its completion would close the run inside the store's own commit.
        timed("wf-in-time-1")
          .pipe(task("only", clock, runs))
          .build(),
        timed("wf-in-time-2")
          .pipe(task("first", clock, runs))
          .pipe(task("second", clock, runs))
          .build(),
        timed("wf-in-time-failed")
          .pipe(task("refuse", clock, runs, refuse))
          .build(),
      ];
      const t = kernelOn(fixture().ports, workflows, { clock });
      const ended: string[] = [];
      for (const workflow of workflows) {
        const runId = await start(t, workflow.id, {});
        ended.push((await t.driver.runToCompletion(runId)).status);
      }
      expect(ended).toEqual(["COMPLETED", "COMPLETED", "FAILED"]);
      clock.advance(60_000);
      // No entry was left behind to fire for nothing, and no run timed out afterwards.
      expect((await t.driver.tick()).fired).toBe(0);
      expect(t.events.events.filter((e) => e.type === "workflow.failed")).toHaveLength(1);
      expect(t.events.events.find((e) => e.type === "workflow.failed")?.payload).not.toHaveProperty(
        "status",
        "TIMED_OUT",
      );
    });
  });
}
