/**
 * The crash workload with isolated stages (`RATCHET_CRASH_ISOLATION=process|thread`): the same
 * graph as `crash-workload.ts`, but each stage's body runs in a child process or a worker thread
 * started by the worker's stage runner. The child writes the ledger row itself, on its own
 * connection (`pg`, from RATCHET_DATABASE and RATCHET_WORKER_ID, which children inherit), so
 * what the ledger counts is executions of the body wherever it ran. The module is bundled on
 * its own so the children can import it (see `crash-workers.ts`).
 */
import { defineStage, defineWorkflow, type IsolationMode } from "@ratchet/kernel";
import pg from "pg";
import { z } from "zod";
import { LEDGER_INSERT } from "./crash-schema.js";

const MODE = (process.env.RATCHET_CRASH_ISOLATION ?? "process") as IsolationMode;
const STAGE_MS = Number(process.env.RATCHET_CRASH_STAGE_MS ?? 100);
const N = z.object({ n: z.number() });
const retry = { maxAttempts: 25, intervalMs: 100 };

let client: Promise<pg.Client> | undefined;

/** Inserts the ledger row of one execution, on this process's (or thread's) own connection. */
async function note(runId: string, stageId: string, attempt: number): Promise<void> {
  client ??= (async () => {
    const c = new pg.Client({ connectionString: process.env.RATCHET_DATABASE });
    await c.connect();
    return c;
  })();
  const worker = process.env.RATCHET_WORKER_ID ?? "unknown";
  await (await client).query(LEDGER_INSERT, [runId, stageId, attempt, process.pid, worker]);
}

const stage = <const Id extends string>(id: Id) =>
  defineStage({
    id,
    name: id,
    retry,
    isolation: MODE,
    schemas: { input: N, output: N },
    execute: async (ctx) => {
      await note(ctx.workflowRunId, id, ctx.attempt);
      await new Promise((resolve) => setTimeout(resolve, STAGE_MS));
      return { n: ctx.input.n + 1 };
    },
  });

const join = defineStage({
  id: "d",
  name: "d",
  retry,
  isolation: MODE,
  schemas: { input: z.object({ b: N, c: N }), output: N },
  execute: async (ctx) => {
    await note(ctx.workflowRunId, "d", ctx.attempt);
    return { n: ctx.input.b.n + ctx.input.c.n };
  },
});

/** a → (b ∥ c) → d with isolated stages; output n = 2·(input + 2). Same id as the plain one. */
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

/** What the children look stages up in. */
export const workflows = [crashWorkflow];
