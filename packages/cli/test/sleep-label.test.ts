/**
 * A plain sleep reads "sleeping until <time>" in the CLI's progress, not "waiting for its
 * async batch" (which only an async-batch or poll stage shows) — from the stage record
 * (`ratchet status`, the live view's polls) and from the `workflow.step.sleeping` event.
 */
import { workflow } from "@ratchet/kernel";
import { createTestKernel } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { SUSPENDED_MESSAGE, stepOfEvent, stepOfRecord } from "../src/progress/steps.js";
import { stageRecord } from "./support/records.js";

const napping = workflow("napping")
  .task("before", { handler: async () => ({ ok: true }) })
  .sleep("nap", 60 * 60 * 1000)
  .task("after", { handler: async () => ({ ok: true }) })
  .build();

describe("a sleeping stage in the CLI's progress", () => {
  it("reads 'sleeping until T' from its record and from its event", async () => {
    const t = createTestKernel({ workflows: [napping] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "napping",
      input: {},
    });
    for (let i = 0; i < 20; i++) {
      const stages = await t.persistence.listStages(workflowRunId);
      if (stages.some((s) => s.stageId === "nap" && s.status === "SUSPENDED")) break;
      await t.driver.tick();
    }
    await t.driver.tick(); // publish the outbox
    const nap = (await t.persistence.listStages(workflowRunId)).find((s) => s.stageId === "nap");
    if (!nap) throw new Error("no nap stage");
    expect(nap.status).toBe("SUSPENDED");
    const until = new Date(t.clock.now().getTime() + 60 * 60 * 1000).toISOString();

    const fromRecord = stepOfRecord(nap);
    expect(fromRecord).toMatchObject({ kind: "stage", phase: "suspended" });
    expect(fromRecord.kind === "stage" && fromRecord.details.message).toMatch(
      /^sleeping until \d{4}-\d\d-\d\dT/,
    );
    expect(fromRecord.kind === "stage" && fromRecord.details.message).not.toContain("batch");

    const sleeping = t.events.events.find((e) => e.type === "workflow.step.sleeping");
    if (!sleeping) throw new Error("no workflow.step.sleeping event");
    const fromEvent = stepOfEvent(sleeping);
    expect(fromEvent).toMatchObject({
      kind: "stage",
      stageId: "nap",
      phase: "suspended",
      details: { message: `sleeping until ${sleeping.payload.until}` },
    });
    expect(Date.parse(String(sleeping.payload.until))).toBeLessThanOrEqual(Date.parse(until));
  });

  it("a stage waiting for a signal names the signal", async () => {
    const paying = workflow("paying").waitForSignal("payment").build();
    const t = createTestKernel({ workflows: [paying] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "paying",
      input: {},
    });
    for (let i = 0; i < 20; i++) {
      const stages = await t.persistence.listStages(workflowRunId);
      if (stages.some((s) => s.status === "SUSPENDED")) break;
      await t.driver.tick();
    }
    const [payment] = await t.persistence.listStages(workflowRunId);
    if (!payment) throw new Error("no payment stage");
    expect(payment.status).toBe("SUSPENDED");
    const step = stepOfRecord(payment);
    expect(step.kind === "stage" && step.details.message).toBe("waiting for signal payment");
  });

  it("an async-batch stage still waits for its async batch", () => {
    const record = stageRecord("run-1", "embed", {
      status: "SUSPENDED",
      attempt: 1,
      suspendedState: { batchId: "b-1" },
      pollConfig: { intervalMs: 500, maxWaitMs: 60_000 },
    });
    const step = stepOfRecord(record);
    expect(step.kind === "stage" && step.details.message).toBe(SUSPENDED_MESSAGE);
  });
});
