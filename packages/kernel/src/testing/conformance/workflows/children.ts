/**
 * Child workflows on a real store: a parent that waits for its child's output, a child's
 * failure reaching the parent as a typed error, cancellation cascading to attached children,
 * detached children, and the parent link on the child's run.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineStage } from "../../../dsl/stage.js";
import { defineWorkflow } from "../../../dsl/workflow.js";
import { NonRetryableError } from "../../../errors.js";
import { kernelOn, start, ticks, type WorkflowFixture } from "./fixture.js";

const any = z.any();

const double = defineStage({
  id: "double",
  name: "double",
  schemas: { input: z.object({ n: z.number() }), output: z.object({ doubled: z.number() }) },
  execute: (ctx) => {
    if (ctx.input.n < 0) throw new NonRetryableError("negative", { code: "NEGATIVE" });
    return { doubled: ctx.input.n * 2 };
  },
});

const child = defineWorkflow({
  id: "child-double",
  name: "child",
  input: z.object({ n: z.number() }),
  output: z.object({ doubled: z.number() }),
})
  .pipe(double)
  .build();

const waitsForever = defineWorkflow({ id: "child-waits", name: "w", input: any, output: any })
  .waitForSignal("never")
  .build();

/** Registers the child workflow tests. */
export function childTests(fixture: () => WorkflowFixture): void {
  describe("child workflows", () => {
    it("a parent waits for its child and takes its output", async () => {
      const parent = defineWorkflow({ id: "parent", name: "p", input: any, output: any })
        .child("compute", child, { input: ({ input }) => ({ n: (input as { n: number }).n }) })
        .build();
      const t = kernelOn(fixture().ports, [parent, child]);
      const runId = await start(t, parent.id, { n: 21 });
      const run = await t.driver.runToCompletion(runId);
      expect(run.status).toBe("COMPLETED");
      expect(run.output).toEqual({ doubled: 42 });
      const [kid] = (await t.persistence.listRuns({ status: "COMPLETED", limit: 10 })).filter(
        (r) => r.workflowId === child.id,
      );
      expect(kid?.parentRunId).toBe(runId);
    });

    it("a child's failure fails the parent's step with CHILD_WORKFLOW_FAILED", async () => {
      const parent = defineWorkflow({ id: "parent-fails", name: "p", input: any, output: any })
        .child("compute", child)
        .build();
      const t = kernelOn(fixture().ports, [parent, child]);
      const runId = await start(t, parent.id, { n: -1 });
      const run = await t.driver.runToCompletion(runId);
      expect(run.status).toBe("FAILED");
      expect(run.error).toMatchObject({ code: "CHILD_WORKFLOW_FAILED", stageId: "compute" });
      expect(run.error?.message).toContain("NEGATIVE");
    });

    it("with retry, a failed child is replaced by a new one after the back-off", async () => {
      let calls = 0;
      const flaky = defineWorkflow({ id: "child-flaky", name: "f", input: any, output: any })
        .pipe(
          defineStage({
            id: "once-bad",
            name: "once-bad",
            schemas: { input: any, output: any },
            execute: (ctx) => {
              calls += 1;
              if (calls === 1) throw new NonRetryableError("first try fails", { code: "FLAKY" });
              return { ok: ctx.input };
            },
          }),
        )
        .build();
      const parent = defineWorkflow({ id: "parent-retry", name: "p", input: any, output: any })
        .child("compute", flaky, { retry: { maxAttempts: 2, intervalMs: 5_000 } })
        .build();
      const t = kernelOn(fixture().ports, [parent]);
      const runId = await start(t, parent.id, { n: 7 });
      const run = await t.driver.runToCompletion(runId);
      expect(run.status).toBe("COMPLETED");
      expect(run.output).toEqual({ ok: { n: 7 } });
      const kids = (await t.persistence.listRuns({ workflowId: flaky.id, limit: 10 })).map((r) => [
        r.status,
        r.parentRunId,
      ]);
      expect(kids.sort()).toEqual([
        ["COMPLETED", runId],
        ["FAILED", runId],
      ]);
    });

    it("without retry, one failed child fails the step (no second child)", async () => {
      const parent = defineWorkflow({ id: "parent-no-retry", name: "p", input: any, output: any })
        .child("compute", child)
        .build();
      const t = kernelOn(fixture().ports, [parent]);
      const runId = await start(t, parent.id, { n: -2 });
      expect((await t.driver.runToCompletion(runId)).status).toBe("FAILED");
      expect(await t.persistence.listRuns({ workflowId: child.id, limit: 10 })).toHaveLength(1);
    });

    it("an invalid child input fails the step before any child exists", async () => {
      const parent = defineWorkflow({ id: "parent-bad", name: "p", input: any, output: any })
        .child("compute", child)
        .build();
      const t = kernelOn(fixture().ports, [parent, child]);
      const runId = await start(t, parent.id, { n: "x" });
      const run = await t.driver.runToCompletion(runId);
      expect(run.error?.code).toBe("INVALID_INPUT");
      const all = await t.persistence.listRuns({ workflowId: child.id, limit: 10 });
      expect(all).toEqual([]);
    });

    it("cancelling the parent cancels the child it waits for", async () => {
      const parent = defineWorkflow({ id: "parent-cancel", name: "p", input: any, output: any })
        .child("wait", waitsForever)
        .build();
      const t = kernelOn(fixture().ports, [parent, waitsForever]);
      const runId = await start(t, parent.id, {});
      await ticks(t, 6);
      const [kid] = await t.persistence.listRuns({ workflowId: waitsForever.id, limit: 10 });
      expect(kid?.status).toBe("RUNNING");
      await t.kernel.dispatch({ type: "run.cancel", workflowRunId: runId });
      await ticks(t, 2);
      expect((await t.persistence.getRun(kid?.id as string))?.status).toBe("CANCELLED");
    });

    it("a detached child is started and the parent goes on at once", async () => {
      const parent = defineWorkflow({ id: "parent-detached", name: "p", input: any, output: any })
        .child("fire", waitsForever, { detached: true })
        .build();
      const t = kernelOn(fixture().ports, [parent, waitsForever]);
      const runId = await start(t, parent.id, {});
      const run = await t.driver.runToCompletion(runId);
      const { childRunId } = run.output as { childRunId: string };
      const kid = await t.persistence.getRun(childRunId);
      expect(kid?.parentRunId).toBe(runId);
      expect(kid?.status).not.toBe("CANCELLED");
    });
  });
}
