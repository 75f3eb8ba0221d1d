/**
 * Approvals on a real store: a decision recorded with who, when and why; approvers enforced;
 * decisions on approvals that are not pending refused; expiry (handed on, or failing the run);
 * escalation published while undecided; the list of pending approvals.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeValue } from "../../../codec.js";
import { defineWorkflow } from "../../../dsl/workflow.js";
import { FakeClock } from "../../fake-clock.js";
import { T0 } from "../shared.js";
import { kernelOn, payloadsOf, start, ticks, type WorkflowFixture } from "./fixture.js";

const any = z.any();

function refund(options: Parameters<ReturnType<typeof defineWorkflow>["approval"]>[1] = {}) {
  return defineWorkflow({ id: "refund", name: "Refund", input: any, output: any })
    .approval("manager", { title: "Refund over 100 EUR", approvers: ["ann", "bob"], ...options })
    .build();
}

/** Registers the approval tests. */
export function approvalTests(fixture: () => WorkflowFixture): void {
  describe("approvals", () => {
    it("records who approved, when and with what comment", async () => {
      const clock = new FakeClock(T0);
      const workflow = refund();
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(t, workflow.id, { amount: 150 });
      await ticks(t, 3);
      const listed = await t.kernel.dispatch({ type: "approvals.list" });
      expect(listed.approvals).toMatchObject([
        {
          workflowRunId: runId,
          stageId: "manager",
          title: "Refund over 100 EUR",
          approvers: ["ann", "bob"],
        },
      ]);
      clock.advance(5_000);
      const decided = await t.kernel.dispatch({
        type: "approval.decide",
        workflowRunId: runId,
        stageId: "manager",
        decision: "approve",
        by: "ann",
        comment: "customer is right",
      });
      expect(decided.status).toBe("decided");
      const run = await t.driver.runToCompletion(runId);
      expect(decodeValue(run.output)).toEqual({
        status: "approved",
        by: "ann",
        comment: "customer is right",
        decidedAt: new Date(T0 + 5_000),
      });
      expect((await t.kernel.dispatch({ type: "approvals.list" })).approvals).toEqual([]);
    });

    it("refuses a decision by someone not among the approvers, or on no pending approval", async () => {
      const workflow = refund();
      const t = kernelOn(fixture().ports, [workflow]);
      const runId = await start(t, workflow.id, {});
      const decide = (by: string) =>
        t.kernel.dispatch({
          type: "approval.decide",
          workflowRunId: runId,
          stageId: "manager",
          decision: "reject",
          by,
        });
      // Not reached yet: a decision is never buffered.
      await expect(decide("ann")).rejects.toMatchObject({ code: "APPROVAL_NOT_PENDING" });
      await ticks(t, 3);
      await expect(decide("mallory")).rejects.toMatchObject({ code: "NOT_AN_APPROVER" });
      expect((await decide("bob")).status).toBe("decided");
      await expect(decide("ann")).rejects.toMatchObject({ code: "APPROVAL_NOT_PENDING" });
      expect((await t.driver.runToCompletion(runId)).output).toMatchObject({
        status: "rejected",
        by: "bob",
        comment: null,
      });
    });

    it("expires after its time-out, escalating first while undecided", async () => {
      const clock = new FakeClock(T0);
      const workflow = refund({ timeoutMs: 3_600_000, escalateAfterMs: 600_000 });
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(t, workflow.id, {});
      await ticks(t, 3);
      clock.advance(600_000);
      await ticks(t, 2);
      await t.kernel.dispatch({ type: "outbox.flush", workerId: "test" });
      expect(payloadsOf(t, runId, "workflow.approval.escalated")).toMatchObject([
        { stageId: "manager" },
      ]);
      clock.advance(3_000_000);
      const run = await t.driver.runToCompletion(runId);
      expect(run.output).toMatchObject({ status: "expired", by: null });
    });

    it("with onExpire: fail, an expired approval fails the run with APPROVAL_EXPIRED", async () => {
      const clock = new FakeClock(T0);
      const workflow = refund({ timeoutMs: 1_000, onExpire: "fail" });
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(t, workflow.id, {});
      await ticks(t, 3);
      clock.advance(1_000);
      const run = await t.driver.runToCompletion(runId);
      expect(run.status).toBe("FAILED");
      expect(run.error?.code).toBe("APPROVAL_EXPIRED");
    });
  });
}
