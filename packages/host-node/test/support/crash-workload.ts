/**
 * The crash test's workload: a → (b ∥ c) → d, where every stage execution first inserts a
 * side-effect row `(run_id, stage_id, attempt, pid)` into `crash_ledger` (see
 * `crash-schema.ts`; the worker adds its id and the server the time) — on its own
 * connection, committed at once, outside the stage's commit — the way a stage that calls an
 * external system leaves a trace even when its worker dies before committing the result. Each
 * stage then "works" for a while (`RATCHET_CRASH_STAGE_MS`, default 100 ms), so kills land in
 * the middle of stages.
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { z } from "zod";

/** Writes one ledger row; set by the worker process before its host starts. */
export const ledger: { write: (row: LedgerRow) => Promise<void> } = {
  write: async () => {
    throw new Error("crash ledger not connected");
  },
};

/** One stage execution, as the ledger holds it. */
export interface LedgerRow {
  runId: string;
  stageId: string;
  attempt: number;
  pid: number;
}

const N = z.object({ n: z.number() });

/** How long each stage "works" after writing its ledger row (ms; env RATCHET_CRASH_STAGE_MS). */
const STAGE_MS = Number(process.env.RATCHET_CRASH_STAGE_MS ?? 100);
const work = () => new Promise<void>((resolve) => setTimeout(resolve, STAGE_MS));

/**
 * Every kill of a worker in the middle of a stage costs that stage's job an attempt (its
 * lease runs out). With a kill every 1–3 s, a stage can be caught several times, so the
 * budget is generous: the test is about losing nothing, not about giving up.
 */
const retry = { maxAttempts: 25, intervalMs: 100 };

const stage = <const Id extends string>(id: Id) =>
  defineStage({
    id,
    name: id,
    retry,
    schemas: { input: N, output: N },
    execute: async (ctx) => {
      await ledger.write({
        runId: ctx.workflowRunId,
        stageId: id,
        attempt: ctx.attempt,
        pid: process.pid,
      });
      await work();
      return { n: ctx.input.n + 1 };
    },
  });

const join = defineStage({
  id: "d",
  name: "d",
  retry,
  schemas: { input: z.object({ b: N, c: N }), output: N },
  execute: async (ctx) => {
    await ledger.write({
      runId: ctx.workflowRunId,
      stageId: "d",
      attempt: ctx.attempt,
      pid: process.pid,
    });
    return { n: ctx.input.b.n + ctx.input.c.n };
  },
});

/** a → (b ∥ c) → d; output n = 2·(input + 2). */
export const crashWorkflow = defineWorkflow({
  id: "crash",
  name: "Crash test",
  input: N,
  output: N,
})
  .pipe(stage("a"))
  .parallel([stage("b"), stage("c")])
  .pipe(join)
  .build();
