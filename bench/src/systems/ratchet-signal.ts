/**
 * W5 on Ratchet's stores: the signal workflow (wait for `go`, then one trivial stage), and the
 * driver the signal frame uses. The worker is {@link ratchetDriver}'s (one `createNodeHost`,
 * concurrency 10, the stack's wake-ups); the sender is a kernel on a stack of its own, like
 * W3's caller, so `run.signal` resumes the waiting stage there and the worker runs the rest.
 */
import { createKernel, createRegistry, defineStage, defineWorkflow } from "@ratchet/kernel";
import { z } from "zod";
import type { Target } from "../frames.js";
import type { SignalDriver } from "../signal-frame.js";
import { discardEvents, openReader, openStack, ratchetDriver } from "./ratchet.js";

const N = z.object({ n: z.number() });

/** The wait's output: the signal, or (never here: no time-out) that none came. */
const WaitResult = z.discriminatedUnion("received", [
  z.object({ received: z.literal(true), payload: N }),
  z.object({ received: z.literal(false), timedOut: z.literal(true) }),
]);

const after = defineStage({
  id: "after",
  name: "after",
  schemas: { input: WaitResult, output: N },
  execute: (ctx) => ({ n: ctx.input.received ? ctx.input.payload.n + 1 : -1 }),
});

/** W5: wait for the signal `go` (payload `{ n }`), then a trivial stage returning n + 1. */
export const signalWorkflow = defineWorkflow({
  id: "signal",
  name: "Signal",
  input: N,
  output: N,
})
  .waitForSignal("go", { schema: N })
  .pipe(after)
  .build();

/** The name of the signal {@link signalWorkflow} waits for. */
export const SIGNAL_NAME = "go";

/** Ratchet's W5 driver on `target`. */
export function ratchetSignalDriver(target: Target): SignalDriver {
  const base = ratchetDriver(target, signalWorkflow);
  return {
    setup: () => base.setup(),
    startWorker: () => base.startWorker(),
    async openSender() {
      const stack = await openStack(target, { migrate: false });
      const kernel = createKernel({
        ...stack,
        eventSink: discardEvents,
        registry: createRegistry([signalWorkflow]),
      });
      const reader = await openReader(target);
      const count = async (sql: string) => Number((await reader.query(sql))[0]?.n);
      return {
        create: async (i) =>
          (
            await kernel.dispatch({
              type: "run.create",
              workflowId: signalWorkflow.id,
              input: { n: i },
            })
          ).workflowRunId,
        signal: async (runId, n) => {
          const sent = await kernel.dispatch({
            type: "run.signal",
            workflowRunId: runId,
            name: SIGNAL_NAME,
            payload: { n },
          });
          if (sent.status !== "delivered")
            throw new Error(`signal to run ${runId} was ${sent.status}, not delivered`);
        },
        waiting: () => count("SELECT count(*) AS n FROM ratchet_signal_waits"),
        completed: () => count("SELECT count(*) AS n FROM ratchet_runs WHERE status = 'COMPLETED'"),
        isCompleted: async (id) => {
          const rows = await reader.query("SELECT status FROM ratchet_runs WHERE id = $1", [id]);
          const status = rows[0]?.status;
          if (status === "FAILED" || status === "CANCELLED")
            throw new Error(`run ${id} ended ${String(status)}`);
          return status === "COMPLETED";
        },
        close: async () => {
          await reader.close();
          await stack.close();
        },
      };
    },
  };
}
