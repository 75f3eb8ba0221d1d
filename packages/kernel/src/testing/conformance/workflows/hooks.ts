/**
 * End hooks on a real store: `onComplete`, `onFailure` and `onCancel` run once after the run
 * ended (a job with retries, its outcome committed once as `workflow.hook.*`), with the run's
 * output or error; a compensated run's hook is its cause's; a restart changes nothing.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { withHooks } from "../../../dsl/hooks.js";
import { defineStage } from "../../../dsl/stage.js";
import { workflow as stepWorkflow } from "../../../dsl/step-builder.js";
import { defineWorkflow } from "../../../dsl/workflow.js";
import { NonRetryableError } from "../../../errors.js";
import { kernelOn, payloadsOf, start, ticks, type WorkflowFixture } from "./fixture.js";

const any = z.any();

/** Registers the end hook tests. */
export function hookTests(fixture: () => WorkflowFixture): void {
  describe("end hooks", () => {
    it("onComplete and onFailure run once after the run ended, a failing hook retried", async () => {
      const seen: string[] = [];
      let flaky = 1;
      const base = stepWorkflow("hooked")
        .task("work", {
          handler: (input: { fail: boolean }) => {
            if (input.fail) throw new NonRetryableError("no", { code: "NOPE" });
            return { done: true };
          },
        })
        .build();
      const hooked = withHooks(base, {
        onComplete: (ctx) => {
          if (flaky-- > 0) throw new Error("hook hiccup");
          seen.push(`complete ${ctx.status} ${JSON.stringify(ctx.output)}`);
        },
        onFailure: (ctx) => {
          seen.push(`failure ${ctx.status} ${ctx.error?.code}`);
        },
        onCancel: () => {
          seen.push("cancel");
        },
        retry: { maxAttempts: 3, intervalMs: 100 },
      });
      const t = kernelOn(fixture().ports, [hooked]);
      const ok = await start(t, hooked.id, { fail: false });
      expect((await t.driver.runToCompletion(ok)).status).toBe("COMPLETED");
      await t.driver.drain();
      for (let i = 0; i < 5; i++) {
        t.clock.advance(200);
        await ticks(t, 1);
      }
      const bad = await start(t, hooked.id, { fail: true });
      expect((await t.driver.runToCompletion(bad)).status).toBe("FAILED");
      await ticks(t, 3);
      expect(seen).toEqual(['complete COMPLETED {"done":true}', "failure FAILED NOPE"]);
      expect(payloadsOf(t, ok, "workflow.hook.retry")).toMatchObject([
        { hook: "onComplete", attempt: 1 },
      ]);
      expect(payloadsOf(t, ok, "workflow.hook.completed")).toEqual([
        expect.objectContaining({ hook: "onComplete", attempt: 2 }),
      ]);
      expect(await t.persistence.getStage(bad, "hook:onFailure")).toMatchObject({
        status: "COMPLETED",
      });
      expect((await t.persistence.getRun(ok))?.status).toBe("COMPLETED");
    });

    it("onCancel after a cancel; a compensated run's hook is its cause's; a restart runs it once", async () => {
      const seen: string[] = [];
      const saga = withHooks(
        defineWorkflow({ id: "hooked-saga", name: "s", input: any, output: any })
          .pipe(
            defineStage({
              id: "book",
              name: "book",
              schemas: { input: any, output: any },
              execute: () => ({ booked: true }),
              compensate: () => {
                seen.push("unbook");
              },
            }),
          )
          .pipe(
            defineStage({
              id: "pay",
              name: "pay",
              schemas: { input: any, output: any },
              retry: { maxAttempts: 1 },
              execute: (ctx) => {
                if ((ctx.input as { booked?: boolean }).booked) throw new Error("card declined");
                return {};
              },
            }),
          )
          .build(),
        {
          onFailure: (ctx) => {
            seen.push(`failure ${ctx.status}`);
          },
          onCancel: (ctx) => {
            seen.push(`cancel ${ctx.status}`);
          },
        },
      );
      const t = kernelOn(fixture().ports, [saga]);
      const failed = await start(t, saga.id, {});
      expect((await t.driver.runToCompletion(failed)).status).toBe("COMPENSATED");
      const cancelled = await start(t, saga.id, {});
      await t.kernel.dispatch({ type: "run.cancel", workflowRunId: cancelled });
      const restarted = kernelOn(await fixture().restart(), [saga]);
      await restarted.driver.drain();
      await ticks(restarted, 3);
      expect(seen).toEqual(["unbook", "failure COMPENSATED", "cancel CANCELLED"]);
      expect(await restarted.persistence.getStage(cancelled, "hook:onCancel")).toMatchObject({
        status: "COMPLETED",
        attempt: 1,
      });
    });

    it("shouldRun and onBeforeStart run before the first stage; shouldRun false skips the run", async () => {
      const seen: string[] = [];
      let flaky = 1;
      const gated = withHooks(
        stepWorkflow("gated")
          .task("work", {
            handler: (input: { n: number }) => {
              seen.push(`work ${input.n}`);
              return { n: input.n };
            },
          })
          .build(),
        {
          shouldRun: (ctx) => {
            const n = (ctx.input as { n: number }).n;
            seen.push(`shouldRun ${n}`);
            return n !== 2;
          },
          onBeforeStart: (ctx) => {
            if (flaky-- > 0) throw new Error("not yet");
            seen.push(`before ${(ctx.input as { n: number }).n}`);
          },
          onCancel: (ctx) => {
            seen.push(`cancel ${ctx.error?.message}`);
          },
          retry: { maxAttempts: 3, intervalMs: 100 },
        },
      );
      const t = kernelOn(fixture().ports, [gated]);
      const one = await start(t, gated.id, { n: 1 });
      expect((await t.driver.runToCompletion(one)).status).toBe("COMPLETED");
      const two = await start(t, gated.id, { n: 2 });
      // A restart between the claim and the start hooks changes nothing.
      await t.kernel.dispatch({ type: "run.claimPending", workerId: "w" });
      const restarted = kernelOn(await fixture().restart(), [gated]);
      const run = await restarted.driver.runToCompletion(two);
      expect(run.status).toBe("CANCELLED");
      expect(run.error?.message).toBe("skipped: shouldRun returned false");
      await ticks(restarted, 3);
      expect(seen).toEqual([
        "shouldRun 1",
        "shouldRun 1",
        "before 1",
        "work 1",
        "shouldRun 2",
        "cancel skipped: shouldRun returned false",
      ]);
      expect(await restarted.persistence.getStage(two, "work")).toBeNull();
      expect(payloadsOf(t, one, "workflow.hook.retry")).toMatchObject([
        { hook: "onStart", attempt: 1 },
      ]);
    });

    it("onAfterStep runs after each stage's commit, before its event is published; a throw retries it", async () => {
      const seen: string[] = [];
      let flaky = 1;
      const stepped = withHooks(
        stepWorkflow("stepped")
          .task("one", { handler: () => ({ n: 1 }) })
          .task("two", { handler: () => ({ n: 2 }) })
          .build(),
        {
          onAfterStep: async (ctx) => {
            if (ctx.stageId === "two" && flaky-- > 0) throw new Error("listener down");
            const record = await t.persistence.getStage(ctx.workflowRunId, ctx.stageId);
            seen.push(`${ctx.stageId} ${record?.status} attempt ${ctx.attempt}`);
          },
        },
      );
      const t = kernelOn(fixture().ports, [stepped]);
      const runId = await start(t, stepped.id, {});
      expect((await t.driver.runToCompletion(runId)).status).toBe("COMPLETED");
      for (let i = 0; i < 5; i++) {
        t.clock.advance(60_000);
        await ticks(t, 1);
      }
      expect(seen).toEqual(["one COMPLETED attempt 1", "two COMPLETED attempt 1"]);
      const completed = t.events
        .forRun(runId)
        .filter((e) => e.type === "workflow.step.completed")
        .map((e) => e.payload.stageId);
      expect(completed).toEqual(["one", "two"]);
    });
  });
}
