import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStack } from "@ratchet/prisma";
import { afterAll, describe, expect, it } from "vitest";
import { type ExampleResult, runExample } from "../src/run-example.js";

describe("approvals example: a signal by key and an approval, on SQLite and a Node host", () => {
  const dir = mkdtempSync(join(tmpdir(), "ratchet-approvals-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let result: ExampleResult;

  it("runs both expenses to completion", async () => {
    result = await runExample({ dir });
    expect(result.approved.status).toBe("COMPLETED");
    expect(result.rejected.status).toBe("COMPLETED");
    expect(result.databaseFile.startsWith(dir)).toBe(true);
  });

  it("delivers each receipt, sent by key, to the run of its expense", () => {
    for (const report of [result.approved, result.rejected]) {
      expect(report.receipt).toMatchObject({ status: "delivered", workflowRunId: report.runId });
      expect(report.output.receiptUrl).toBe(
        `https://receipts.example.com/${report.expense.expenseId.toLowerCase()}.pdf`,
      );
    }
  });

  it("lists each approval while it waits", () => {
    for (const report of [result.approved, result.rejected])
      expect(report.pending).toMatchObject({
        workflowRunId: report.runId,
        stageId: "manager",
        title: "Expense report",
        approvers: ["ann"],
      });
  });

  it("pays the expense approved through the webhook, recording who, when and why", () => {
    const { output } = result.approved;
    expect(output).toMatchObject({
      ...result.approved.expense,
      outcome: "paid",
      paymentId: "PAY-1001",
      approval: { by: "ann", comment: "receipt checked, thanks" },
    });
    expect(output.approval?.decidedAt).toBeInstanceOf(Date);
    expect(result.escalated).toBe(true);
  });

  it("ends the expense rejected with approval.decide in the reject branch", () => {
    expect(result.rejected.output).toMatchObject({
      ...result.rejected.expense,
      outcome: "rejected",
      reason: "rejected by manager",
      approval: { by: "ann", comment: "over the travel budget" },
    });
    const steps = result.events
      .filter(
        (e) => e.workflowRunId === result.rejected.runId && e.type === "workflow.step.started",
      )
      .map((e) => e.payload.stageId);
    expect(steps).toEqual(["submit", "receipt", "has-receipt", "manager", "decision", "reject"]);
  });

  it("refuses a forged signature with 401 and answers a retried decision as a duplicate", () => {
    const { forged, decided, retried } = result.webhook;
    expect(forged).toMatchObject({ status: 401, body: { error: { code: "UNAUTHORIZED" } } });
    expect(decided).toMatchObject({ status: 200, body: { status: "decided" } });
    expect(retried).toMatchObject({ status: 200, body: { status: "duplicate" } });
  });

  it("leaves nothing waiting, and every event published", async () => {
    expect(result.leftWaiting).toEqual({ approvals: 0, signalWaits: 0, unconsumedSignals: 0 });
    for (const report of [result.approved, result.rejected])
      expect(result.events.filter((e) => e.workflowRunId === report.runId).at(-1)?.type).toBe(
        "workflow.completed",
      );
    // Looked at afresh, the database file agrees.
    const stack = await createSqliteStack({ file: result.databaseFile });
    try {
      expect(await stack.persistence.listSignalWaits({ limit: 10 })).toEqual([]);
      for (const report of [result.approved, result.rejected])
        expect((await stack.persistence.getRun(report.runId))?.status).toBe("COMPLETED");
    } finally {
      await stack.close();
    }
  });
});
