/** `stageWaitOf`: what a waiting stage waits for, read from its record. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  approvalStep,
  childStep,
  defineWorkflow,
  type StageRecord,
  stageWaitOf,
  waitForSignalStep,
} from "../../src/index.js";
import { createTestKernel, FakeClock } from "../../src/testing/index.js";

const any = z.any();
const T0 = Date.parse("2026-03-01T10:00:00Z");

const child = defineWorkflow({ id: "kid", name: "kid", input: any, output: any })
  .waitForSignal("never")
  .build();
const workflow = defineWorkflow({ id: "waits", name: "waits", input: any, output: any })
  .parallel([
    waitForSignalStep("paid", {
      name: "payment",
      key: ({ input }) => (input as { orderId: string }).orderId,
      timeoutMs: 60_000,
    }),
    approvalStep("manager", { timeoutMs: 3_600_000 }),
    childStep("kid", child),
  ])
  .build();

async function waitingStages(): Promise<Map<string, StageRecord>> {
  const t = createTestKernel({ workflows: [workflow, child], clock: new FakeClock(T0) });
  const { workflowRunId } = await t.kernel.dispatch({
    type: "run.create",
    workflowId: "waits",
    input: { orderId: "o-7" },
  });
  for (let i = 0; i < 4; i++) await t.driver.tick();
  return new Map((await t.persistence.listStages(workflowRunId)).map((s) => [s.stageId, s]));
}

describe("stageWaitOf", () => {
  it("reads a keyed signal, an approval and a child run off the waiting stages", async () => {
    const stages = await waitingStages();
    expect(stageWaitOf(stages.get("paid") as StageRecord)).toEqual({
      kind: "signal",
      name: "payment",
      key: "o-7",
      timeoutAt: new Date(T0 + 60_000),
      childRunId: null,
      map: null,
      resolved: false,
    });
    expect(stageWaitOf(stages.get("manager") as StageRecord)).toEqual({
      kind: "approval",
      name: "approval:manager",
      key: null,
      timeoutAt: new Date(T0 + 3_600_000),
      childRunId: null,
      map: null,
      resolved: false,
    });
    const kid = stageWaitOf(stages.get("kid") as StageRecord);
    expect(kid).toMatchObject({ kind: "child", key: null, timeoutAt: null, resolved: false });
    expect(kid?.name).toBe(`child:${kid?.childRunId}`);
  });

  it("reads a map's progress off its waiting stage", async () => {
    const item = defineWorkflow({ id: "item", name: "item", input: z.any(), output: z.any() })
      .waitForSignal("go")
      .build();
    const fan = defineWorkflow({ id: "fan", name: "fan", input: z.any(), output: z.any() })
      .map("all", item, { items: () => [1, 2, 3, 4, 5], concurrency: 2 })
      .build();
    const t = createTestKernel({ workflows: [fan] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "fan",
      input: {},
    });
    for (let i = 0; i < 4; i++) await t.driver.tick();
    const [stage] = await t.persistence.listStages(workflowRunId);
    expect(stageWaitOf(stage as StageRecord)).toMatchObject({
      kind: "map",
      map: { items: 5, ended: 0, concurrency: 2 },
      resolved: false,
    });
  });

  it("is null for a stage that is not waiting, or suspended with an async batch's state", () => {
    const base = { status: "SUSPENDED" as const, suspendedState: { batchId: "b-1" } };
    expect(stageWaitOf(base)).toBeNull();
    expect(stageWaitOf({ ...base, suspendedState: null })).toBeNull();
    expect(stageWaitOf({ ...base, suspendedState: { wait: "soon" } })).toBeNull();
    expect(stageWaitOf({ status: "RUNNING", suspendedState: null })).toBeNull();
  });
});
