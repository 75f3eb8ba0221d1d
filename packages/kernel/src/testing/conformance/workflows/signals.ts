/**
 * Signals on a real store: a wait woken by delivery, a signal buffered before the wait and
 * consumed once, keyed signals, time-outs as a branchable outcome, duplicates, refused payloads,
 * signals to ended runs, and a restart while waiting. Every wait is fake time.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineWorkflow } from "../../../dsl/workflow.js";
import { FakeClock } from "../../fake-clock.js";
import { T0 } from "../shared.js";
import { kernelOn, payloadsOf, start, ticks, type WorkflowFixture } from "./fixture.js";

const any = z.any();
const paid = z.object({ amount: z.number(), currency: z.string() });

/** order → wait for `payment` (schema-checked) → done with the payment. */
function paymentFlow(id = "pay", timeoutMs?: number) {
  return defineWorkflow({ id, name: id, input: any, output: any })
    .pass("order")
    .waitForSignal("payment", { schema: paid, ...(timeoutMs ? { timeoutMs } : {}) })
    .build();
}

/** Registers the signal tests. */
export function signalTests(fixture: () => WorkflowFixture): void {
  describe("signals", () => {
    it("a waiting run is woken by its signal and hands the payload on", async () => {
      const workflow = paymentFlow();
      const t = kernelOn(fixture().ports, [workflow]);
      const runId = await start(t, workflow.id, { order: 1 });
      await ticks(t, 3);
      const waiting = (await t.persistence.listStages(runId)).find((s) => s.stageId === "payment");
      expect(waiting?.status).toBe("SUSPENDED");
      const sent = await t.kernel.dispatch({
        type: "run.signal",
        workflowRunId: runId,
        name: "payment",
        payload: { amount: 10, currency: "EUR" },
      });
      expect(sent).toMatchObject({ status: "delivered", workflowRunId: runId, stageId: "payment" });
      const run = await t.driver.runToCompletion(runId);
      expect(run.status).toBe("COMPLETED");
      expect(run.output).toMatchObject({
        received: true,
        payload: { amount: 10, currency: "EUR" },
        signalId: sent.signalId,
      });
      await t.kernel.dispatch({ type: "outbox.flush", workerId: "test" });
      expect(payloadsOf(t, runId, "workflow.signal.received")).toHaveLength(1);
    });

    it("a signal sent before the wait is buffered and consumed once, in order", async () => {
      const workflow = defineWorkflow({ id: "two-waits", name: "two", input: any, output: any })
        .waitForSignal("first", { name: "tick" })
        .waitForSignal("second", { name: "tick" })
        .build();
      const t = kernelOn(fixture().ports, [workflow]);
      const runId = await start(t, workflow.id, {});
      for (const n of [1, 2, 3]) {
        const sent = await t.kernel.dispatch({
          type: "run.signal",
          workflowRunId: runId,
          name: "tick",
          payload: { n },
        });
        expect(sent.status).toBe("buffered");
      }
      const run = await t.driver.runToCompletion(runId);
      expect(run.status).toBe("COMPLETED");
      const outputs = await t.persistence.getStageOutputs([
        { runId, stageId: "first" },
        { runId, stageId: "second" },
      ]);
      expect(JSON.stringify(outputs.get(`${runId}:first`))).toContain('"n":1');
      expect(JSON.stringify(outputs.get(`${runId}:second`))).toContain('"n":2');
      expect(run.output).toMatchObject({ received: true, payload: { n: 2 } });
    });

    it("a keyed signal reaches the run waiting for its key, whoever sends it", async () => {
      const workflow = defineWorkflow({ id: "keyed", name: "keyed", input: any, output: any })
        .waitForSignal("shipped", { key: ({ input }) => (input as { orderId: string }).orderId })
        .build();
      const t = kernelOn(fixture().ports, [workflow]);
      const a = await start(t, workflow.id, { orderId: "A-1" });
      const b = await start(t, workflow.id, { orderId: "B-2" });
      await ticks(t, 3);
      const sent = await t.kernel.dispatch({
        type: "run.signal",
        name: "shipped",
        key: "B-2",
        payload: { carrier: "dhl" },
      });
      expect(sent).toMatchObject({ status: "delivered", workflowRunId: b });
      expect((await t.driver.runToCompletion(b)).output).toMatchObject({
        received: true,
        payload: { carrier: "dhl" },
      });
      expect((await t.persistence.getRun(a))?.status).toBe("RUNNING");
      // Sent before anyone waits for the key: buffered, then taken by the run that waits.
      const early = await t.kernel.dispatch({
        type: "run.signal",
        name: "shipped",
        key: "C-3",
        payload: { carrier: "ups" },
      });
      expect(early.status).toBe("buffered");
      const c = await start(t, workflow.id, { orderId: "C-3" });
      expect((await t.driver.runToCompletion(c)).output).toMatchObject({
        payload: { carrier: "ups" },
      });
    });

    it("a time-out is an outcome the workflow branches on, and a late signal is buffered", async () => {
      const clock = new FakeClock(T0);
      const workflow = defineWorkflow({ id: "timeout", name: "t", input: any, output: any })
        .waitForSignal("reply", { timeoutMs: 60_000 })
        .choice("answered", {
          choices: [
            { condition: ({ prev }) => (prev as { received: boolean }).received, next: "yes" },
          ],
          default: "no",
        })
        .pass("yes", { result: "answered", end: true })
        .pass("no", { result: "gave up", end: true })
        .build();
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(t, workflow.id, {});
      await ticks(t, 3);
      clock.advance(59_000);
      await ticks(t, 2);
      expect((await t.persistence.getRun(runId))?.status).toBe("RUNNING");
      clock.advance(1_000);
      const run = await t.driver.runToCompletion(runId);
      expect(run.output).toBe("gave up");
      const reply = await t.persistence.getStageOutputs([{ runId, stageId: "reply" }]);
      expect(JSON.stringify(reply.get(`${runId}:reply`))).toContain('"timedOut":true');
      await expect(
        t.kernel.dispatch({ type: "run.signal", workflowRunId: runId, name: "reply" }),
      ).rejects.toMatchObject({ code: "RUN_ENDED", workflowRunId: runId });
    });

    it("a signal that races the time-out: exactly one of them ends the wait", async () => {
      const clock = new FakeClock(T0);
      const workflow = paymentFlow("race", 1_000);
      const t = kernelOn(fixture().ports, [workflow], { clock });
      const runId = await start(t, workflow.id, {});
      await ticks(t, 3);
      clock.advance(1_000);
      // The time-out is due but has not fired: the signal wins, the time-out finds nothing.
      const sent = await t.kernel.dispatch({
        type: "run.signal",
        workflowRunId: runId,
        name: "payment",
        payload: { amount: 1, currency: "EUR" },
      });
      expect(sent.status).toBe("delivered");
      const run = await t.driver.runToCompletion(runId);
      expect(run.output).toMatchObject({ received: true });
      await t.kernel.dispatch({ type: "outbox.flush", workerId: "test" });
      expect(
        payloadsOf(t, runId, "workflow.step.completed").filter((p) => p.stageId === "payment"),
      ).toHaveLength(1);
    });

    it("a duplicate signal id changes nothing; bad payloads and names are refused", async () => {
      const workflow = paymentFlow("dup");
      const t = kernelOn(fixture().ports, [workflow]);
      const runId = await start(t, workflow.id, {});
      await expect(
        t.kernel.dispatch({
          type: "run.signal",
          workflowRunId: runId,
          name: "payment",
          payload: { amount: "ten" },
        }),
      ).rejects.toMatchObject({ code: "INVALID_SIGNAL_PAYLOAD" });
      await expect(
        t.kernel.dispatch({ type: "run.signal", workflowRunId: runId, name: "paymnt" }),
      ).rejects.toMatchObject({ code: "UNKNOWN_SIGNAL" });
      await expect(
        t.kernel.dispatch({ type: "run.signal", workflowRunId: runId, name: "approval:x" }),
      ).rejects.toMatchObject({ code: "RESERVED_SIGNAL_NAME" });
      const payment = { amount: 5, currency: "USD" };
      const once = {
        type: "run.signal",
        workflowRunId: runId,
        name: "payment",
        payload: payment,
        signalId: "pay-1",
      } as const;
      expect((await t.kernel.dispatch(once)).status).toBe("buffered");
      expect((await t.kernel.dispatch(once)).status).toBe("duplicate");
      const run = await t.driver.runToCompletion(runId);
      expect(run.output).toMatchObject({ received: true, signalId: "pay-1" });
      // The second copy was never stored: nothing is left for a later wait.
      expect(await t.persistence.getSignal("pay-1")).toMatchObject({
        consumedBy: expect.any(String),
      });
    });

    it("a run waiting across a restart is woken by a signal sent after it", async () => {
      const workflow = paymentFlow("restart");
      const f = fixture();
      const t = kernelOn(f.ports, [workflow]);
      const runId = await start(t, workflow.id, {});
      await ticks(t, 3);
      const ports = await f.restart();
      const again = kernelOn(ports, [workflow]);
      await again.kernel.dispatch({
        type: "run.signal",
        workflowRunId: runId,
        name: "payment",
        payload: { amount: 2, currency: "GBP" },
      });
      const run = await again.driver.runToCompletion(runId);
      expect(run.output).toMatchObject({ received: true, payload: { amount: 2 } });
    });

    it("cancelling a waiting run drops its wait: a keyed signal is buffered, not lost to it", async () => {
      const workflow = defineWorkflow({ id: "cancel-wait", name: "c", input: any, output: any })
        .waitForSignal("go", { key: () => "k" })
        .build();
      const t = kernelOn(fixture().ports, [workflow]);
      const runId = await start(t, workflow.id, {});
      await ticks(t, 3);
      await t.kernel.dispatch({ type: "run.cancel", workflowRunId: runId });
      expect(await t.persistence.listSignalWaits({ runId, limit: 10 })).toEqual([]);
      const sent = await t.kernel.dispatch({ type: "run.signal", name: "go", key: "k" });
      expect(sent.status).toBe("buffered");
    });
  });
}
