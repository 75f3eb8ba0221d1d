/**
 * The saga crash test's workflow: five stages `s1`…`s5`; `s4` fails without retries, so a run
 * compensates `s3`, `s2`, `s1` in that order. Each compensation writes a ledger row as it starts
 * (through `sagaLedger.write`, set by the worker process) and then takes a while, so a worker
 * SIGKILLed during compensation is likely to die in the middle of one.
 */
import { defineStage, defineWorkflow, NonRetryableError } from "@ratchet/kernel";
import { z } from "zod";

/** Where compensations record each execution (set by the worker entry). */
export const sagaLedger: {
  write: (row: { runId: string; stageId: string; attempt: number }) => Promise<void>;
} = { write: async () => {} };

/** How long each compensation takes after writing its row (ms). */
export const COMPENSATION_MS = 1_200;

const any = z.object({}).passthrough();

function step(n: number) {
  return defineStage({
    id: `s${n}`,
    name: `s${n}`,
    schemas: { input: any, output: any },
    retry: { maxAttempts: 1 },
    compensateRetry: { maxAttempts: 5, intervalMs: 100 },
    execute: () => {
      if (n === 4) throw new NonRetryableError("s4 fails", { code: "S4_FAILS" });
      return { n };
    },
    compensate: async (ctx) => {
      await sagaLedger.write({
        runId: ctx.workflowRunId,
        stageId: `compensate:${ctx.stageId}`,
        attempt: ctx.attempt,
      });
      await new Promise((resolve) => setTimeout(resolve, COMPENSATION_MS));
    },
  });
}

/** The five-stage saga whose fourth stage fails. */
export const sagaWorkflow = defineWorkflow({ id: "saga", name: "Saga", input: any, output: any })
  .pipe(step(1))
  .pipe(step(2))
  .pipe(step(3))
  .pipe(step(4))
  .pipe(step(5))
  .build();
