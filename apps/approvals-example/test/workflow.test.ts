import { decodeValue } from "@ratchet/kernel";
import { createTestKernel } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { type ExpenseOutcome, expenseWorkflow } from "../src/workflow.js";

const expense = { expenseId: "EXP-7", employee: "kim", amount: 42, currency: "EUR" };
// Minutes, not days: the driver moves the fake clock a second at a time while nothing is due.
const workflow = expenseWorkflow({
  receiptTimeoutMs: 60_000,
  approvalTimeoutMs: 120_000,
  escalateAfterMs: 30_000,
});

async function start() {
  const t = createTestKernel({ workflows: [workflow] });
  const { workflowRunId } = await t.kernel.dispatch({
    type: "run.create",
    workflowId: "expense-approval",
    input: expense,
  });
  return { t, workflowRunId };
}

describe("expense workflow (test kernel, fake clock)", () => {
  it("rejects an expense whose receipt never came", async () => {
    const { t, workflowRunId } = await start();
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(decodeValue(run.output)).toMatchObject({
      outcome: "rejected",
      reason: "no receipt",
      receiptUrl: null,
      approval: null,
    } satisfies Partial<ExpenseOutcome>);
  });

  it("rejects an expense nobody decided in time", async () => {
    const { t, workflowRunId } = await start();
    await t.driver.tick();
    await t.kernel.dispatch({
      type: "run.signal",
      name: "receipt",
      key: "EXP-7",
      payload: { url: "https://receipts.example.com/exp-7.pdf" },
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(decodeValue(run.output)).toMatchObject({
      outcome: "rejected",
      reason: "approval expired",
      receiptUrl: "https://receipts.example.com/exp-7.pdf",
      approval: { by: null, comment: null },
    });
    // The approval escalated (after 30 s) before it expired (after 2 min).
    const events = t.events.events;
    const escalated = events.findIndex((e) => e.type === "workflow.approval.escalated");
    const expired = events.findIndex(
      (e) => e.type === "workflow.step.completed" && e.payload.stageId === "manager",
    );
    expect(escalated).toBeGreaterThan(-1);
    expect(escalated).toBeLessThan(expired);
  });

  it("refuses a bad expense and a receipt that is not a URL", async () => {
    const t = createTestKernel({ workflows: [workflow] });
    await expect(
      t.kernel.dispatch({
        type: "run.create",
        workflowId: "expense-approval",
        input: { ...expense, currency: "euro" },
      }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT", field: "input.currency" });
    await expect(
      t.kernel.dispatch({
        type: "run.signal",
        name: "receipt",
        key: "EXP-7",
        workflowId: "expense-approval",
        payload: { url: "not a url" },
      }),
    ).rejects.toMatchObject({ code: "INVALID_SIGNAL_PAYLOAD" });
  });
});
