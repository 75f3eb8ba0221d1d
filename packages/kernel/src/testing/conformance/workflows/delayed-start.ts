/**
 * Delayed starts on a real store: a run created with `startAt` or `delayMs` waits `SCHEDULED`
 * (never claimed early), starts when its time comes, survives a restart in between, and can be
 * cancelled before it starts.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineWorkflow } from "../../../dsl/workflow.js";
import { FakeClock } from "../../fake-clock.js";
import { T0 } from "../shared.js";
import { kernelOn, task, ticks, type WorkflowFixture } from "./fixture.js";

const any = z.any();

/** Registers the delayed start tests. */
export function delayedStartTests(fixture: () => WorkflowFixture): void {
  describe("delayed start", () => {
    it("a run with delayMs is SCHEDULED until its time, then runs", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const workflow = defineWorkflow({ id: "later", name: "later", input: any, output: any })
        .pipe(task("work", clock, runs))
        .build();
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const created = await t.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: { n: 1 },
        delayMs: 60_000,
      });
      expect(created.status).toBe("SCHEDULED");
      await ticks(t, 3);
      clock.advance(59_999);
      await ticks(t, 3);
      expect((await t.persistence.getRun(created.workflowRunId))?.status).toBe("SCHEDULED");
      expect(runs).toEqual([]);
      clock.advance(1);
      const run = await t.driver.runToCompletion(created.workflowRunId);
      expect(run.status).toBe("COMPLETED");
      expect(runs).toEqual([["work", 60_000]]);
    });

    it("startAt survives a restart; a time already past starts at once", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const workflow = defineWorkflow({ id: "at", name: "at", input: any, output: any })
        .pipe(task("work", clock, runs))
        .build();
      const f = fixture();
      const t = kernelOn(f.ports, [workflow], { clock });
      const later = await t.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: {},
        startAt: new Date(T0 + 3_600_000).toISOString(),
      });
      const past = await t.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: {},
        startAt: new Date(T0 - 1),
      });
      expect([later.status, past.status]).toEqual(["SCHEDULED", "PENDING"]);
      const again = kernelOn(await f.restart(), [workflow], { clock });
      clock.advance(3_600_000);
      const run = await again.driver.runToCompletion(later.workflowRunId);
      expect(run.status).toBe("COMPLETED");
    });

    it("a scheduled run can be cancelled before it starts, and never starts", async () => {
      const clock = new FakeClock(T0);
      const runs: Array<[string, number]> = [];
      const workflow = defineWorkflow({ id: "never", name: "never", input: any, output: any })
        .pipe(task("work", clock, runs))
        .build();
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const created = await t.kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: {},
        delayMs: 1_000,
      });
      await t.kernel.dispatch({ type: "run.cancel", workflowRunId: created.workflowRunId });
      clock.advance(5_000);
      await ticks(t, 5);
      expect((await t.persistence.getRun(created.workflowRunId))?.status).toBe("CANCELLED");
      expect(runs).toEqual([]);
    });

    it("refuses startAt with delayMs, and a startAt that is no date", async () => {
      const workflow = defineWorkflow({ id: "bad-start", name: "b", input: any, output: any })
        .pass("p")
        .build();
      const t = kernelOn(fixture().ports, [workflow]);
      await expect(
        t.kernel.dispatch({
          type: "run.create",
          workflowId: workflow.id,
          input: {},
          startAt: new Date(T0),
          delayMs: 5,
        }),
      ).rejects.toMatchObject({ code: "INVALID_START" });
      await expect(
        t.kernel.dispatch({
          type: "run.create",
          workflowId: workflow.id,
          input: {},
          startAt: "soon",
        }),
      ).rejects.toMatchObject({ code: "INVALID_COMMAND" });
    });
  });
}
