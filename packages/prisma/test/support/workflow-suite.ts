/**
 * Runs real workflows through the kernel's deterministic driver on a Prisma stack:
 * sequential + parallel + async-batch suspend/resume + retry + cancel + rerun-from, and
 * rejected input that writes nothing.
 */
import { decodeValue, type KernelOptions } from "@ratchet/kernel";
import { createTestKernel, FakeClock } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import type { DatabaseProvider } from "../../src/provider.js";
import { useStack } from "./stacks.js";
import { controls, fullWorkflow } from "./workflows.js";

/** Registers the workflow tests for `provider`. */
export function registerWorkflowSuite(provider: DatabaseProvider): void {
  const harness = useStack(provider, `workflow_${provider}`);

  function kernel(options: Partial<KernelOptions> = {}) {
    const { stack } = harness();
    return createTestKernel({
      workflows: [fullWorkflow],
      persistence: stack.persistence,
      jobTransport: stack.jobTransport,
      scheduler: stack.scheduler,
      blobStore: stack.blobStore,
      queries: stack.queries,
      clock: new FakeClock(new Date("2026-02-01T00:00:00Z")),
      options,
    });
  }

  async function count(table: string): Promise<number> {
    const [row] = await harness().reader.read(`SELECT count(*) AS n FROM ${table}`);
    return Number(row?.n);
  }

  describe(`workflows on ${provider}`, () => {
    it("runs sequential, parallel, retrying and suspended stages to completion", async () => {
      await harness().truncate();
      Object.assign(controls, { batchReady: false, flakyFailures: 2, flakyCalls: 0 });
      const t = kernel();
      const at = new Date("2026-03-04T05:06:07.089Z");
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: "full",
        input: { doc: "one two three", at },
      });

      // Drive until the batch stage suspends.
      for (let i = 0; i < 50; i++) {
        await t.driver.tick();
        if ((await t.persistence.getStage(workflowRunId, "batch"))?.status === "SUSPENDED") break;
        t.clock.advance(1_000);
      }
      expect(await t.persistence.getStage(workflowRunId, "batch")).toMatchObject({
        status: "SUSPENDED",
      });
      expect(controls.flakyCalls).toBe(3);
      controls.batchReady = true;
      const run = await t.driver.runToCompletion(workflowRunId);

      expect(run.status).toBe("COMPLETED");
      expect(decodeValue(run.output)).toEqual({ summary: "3 words, first ONE", at });
      const [stored] = await harness().reader.read(
        "SELECT status, output FROM ratchet_runs WHERE id = $1",
        [workflowRunId],
      );
      expect(stored?.status).toBe("COMPLETED");
      expect(JSON.parse(stored?.output as string)).toEqual({
        summary: "3 words, first ONE",
        at: { $date: at.toISOString() },
      });
      const stages = await harness().reader.read(
        "SELECT stage_id, status, attempt, output_ref FROM ratchet_stages WHERE run_id = $1 ORDER BY group_index, stage_id",
        [workflowRunId],
      );
      expect(stages.map((s) => [s.stage_id, s.status, Number(s.attempt)])).toEqual([
        ["ingest", "COMPLETED", 1],
        ["count", "COMPLETED", 1],
        ["flaky", "COMPLETED", 3],
        ["batch", "COMPLETED", 1],
      ]);
      // The 40 kB output of "ingest" lives in the database blob store.
      expect(JSON.parse(stages[0]?.output_ref as string)).toMatchObject({ kind: "blob" });
      expect(await count("ratchet_blobs")).toBe(1);
      const types = t.events.forRun(workflowRunId).map((e) => e.type);
      expect(types.filter((x) => x === "workflow.step.retry")).toHaveLength(2);
      expect(types.at(-1)).toBe("workflow.completed");
      const sequences = t.events.forRun(workflowRunId).map((e) => e.sequence);
      expect(sequences).toEqual(sequences.map((_, i) => i + 1));
    });

    it("cancels a suspended run, then reruns it from the batch stage", async () => {
      await harness().truncate();
      Object.assign(controls, { batchReady: false, flakyFailures: 0, flakyCalls: 0 });
      const t = kernel();
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: "full",
        input: { doc: "a b", at: new Date(0) },
      });
      for (
        let i = 0;
        i < 20 && (await t.persistence.getStage(workflowRunId, "batch"))?.status !== "SUSPENDED";
        i++
      )
        await t.driver.tick();
      expect(
        await t.kernel.dispatch({ type: "run.cancel", workflowRunId, reason: "operator" }),
      ).toMatchObject({ status: "CANCELLED" });
      expect(await t.persistence.getStage(workflowRunId, "batch")).toMatchObject({
        status: "CANCELLED",
      });
      t.clock.advance(60_000);
      expect(await t.kernel.dispatch({ type: "stage.pollSuspended", workerId: "w" })).toMatchObject(
        { checked: 0 },
      );

      controls.batchReady = true;
      await t.kernel.dispatch({ type: "run.rerunFrom", workflowRunId, fromStageId: "batch" });
      const run = await t.driver.runToCompletion(workflowRunId);
      expect(run.status).toBe("COMPLETED");
      expect(decodeValue(run.output)).toEqual({ summary: "2 words, first A", at: new Date(0) });
      expect(controls.flakyCalls).toBe(1);
    });

    it("rejects input it cannot store and writes nothing", async () => {
      await harness().truncate();
      const t = kernel();
      const error = await t.kernel
        .dispatch({
          type: "run.create",
          workflowId: "full",
          input: { doc: "x", at: new Date(Number.NaN) },
        })
        .catch((e) => e);
      expect(error).toMatchObject({ code: "INVALID_INPUT", field: "input.at" });
      const loose = await t.kernel
        .dispatch({
          type: "run.create",
          workflowId: "full",
          input: { doc: "x", at: new Date() },
          metadata: { id: 10n },
        })
        .catch((e) => e);
      expect(loose).toMatchObject({ code: "UNSERIALIZABLE_VALUE", field: "metadata.id" });
      for (const table of ["ratchet_runs", "ratchet_outbox", "ratchet_idempotency_keys"])
        expect(await count(table)).toBe(0);
    });
  });
}
