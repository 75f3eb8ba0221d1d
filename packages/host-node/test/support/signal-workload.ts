/**
 * The signal test's workload: prepare → wait for `payment` → finish. `prepare` "works" for
 * `RATCHET_SIGNAL_PREPARE_MS` (default 50 ms), long enough for a signal sent shortly after the
 * run was created to arrive before the wait is reached (it is then buffered). `finish` hands
 * on the run's id with the payload and signal id the wait received, so the test can check that
 * every run got its own signal. `prepare` and `finish` write a ledger row as they start (see
 * `signal-schema.ts`), so the test can count executions across processes.
 */
import { defineStage, defineWorkflow, NonRetryableError } from "@ratchet/kernel";
import { z } from "zod";

/** Writes one ledger row; set by the worker process before its host starts. */
export const signalLedger: { write: (row: SignalLedgerRow) => Promise<void> } = {
  write: async () => {
    throw new Error("signal ledger not connected");
  },
};

/** One stage execution, as the ledger holds it. */
export interface SignalLedgerRow {
  runId: string;
  stageId: string;
  attempt: number;
}

/** How long `prepare` works (ms; env RATCHET_SIGNAL_PREPARE_MS). */
export const PREPARE_MS = Number(process.env.RATCHET_SIGNAL_PREPARE_MS ?? 50);

/** The signal the wait takes. */
export const SIGNAL_NAME = "payment";

const Input = z.object({ id: z.number().int() });

/** A run's signal: the id of the run's input, and a token only its sender knows. */
export const Payment = z.object({ id: z.number().int(), token: z.string() });

/** What a run hands on: its input's id, and the payload and signal id its wait received. */
export const SignalOutput = z.object({
  id: z.number().int(),
  payload: Payment,
  signalId: z.string(),
});

const prepare = defineStage({
  id: "prepare",
  name: "prepare",
  schemas: { input: Input, output: Input },
  execute: async (ctx) => {
    await signalLedger.write({
      runId: ctx.workflowRunId,
      stageId: "prepare",
      attempt: ctx.attempt,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, PREPARE_MS);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(ctx.signal.reason);
      });
    });
    return ctx.input;
  },
});

/** The wait's output (it has no time-out, so `received: false` never comes). */
const WaitResult = z.discriminatedUnion("received", [
  z.object({ received: z.literal(true), payload: Payment, signalId: z.string() }),
  z.object({ received: z.literal(false), timedOut: z.literal(true), at: z.date() }),
]);

const finish = defineStage({
  id: "finish",
  name: "finish",
  schemas: { input: WaitResult, output: SignalOutput },
  execute: async (ctx) => {
    await signalLedger.write({ runId: ctx.workflowRunId, stageId: "finish", attempt: ctx.attempt });
    const { id } = Input.parse(ctx.workflowInput);
    if (!ctx.input.received) throw new NonRetryableError(`run ${id}: no signal came`);
    return { id, payload: ctx.input.payload, signalId: ctx.input.signalId };
  },
});

/** prepare → wait for `payment` (no time-out) → finish. */
export const signalWorkflow = defineWorkflow({
  id: "signal-e2e",
  name: "Signal end to end",
  input: Input,
  output: SignalOutput,
})
  .pipe(prepare)
  .waitForSignal(SIGNAL_NAME, { schema: Payment })
  .pipe(finish)
  .build();
