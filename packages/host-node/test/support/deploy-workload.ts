/**
 * The rolling-deploy tests' workload: an "order" workflow at version 1 (a → b → c) and at
 * version 2 (a → b2 → x → c, a changed graph) that declares a migration from version 1. Every
 * stage execution writes a ledger row `(run_id, stage_id, version)` on its own connection,
 * committed at once, then works for a while (`RATCHET_DEPLOY_STAGE_MS`, default 30 ms), so a
 * deploy lands while runs are in flight. Each stage appends `<version>:<stage>` to the trail it
 * hands on: the output tells which definition ran each stage.
 */
import { type AnyWorkflow, defineStage, defineWorkflow } from "@ratchet/kernel";
import { z } from "zod";

/** Writes one ledger row; set by the worker process before its host starts. */
export const deployLedger: { write: (row: DeployLedgerRow) => Promise<void> } = {
  write: async () => {
    throw new Error("deploy ledger not connected");
  },
};

/** One stage execution, as the ledger holds it. */
export interface DeployLedgerRow {
  runId: string;
  stageId: string;
  version: string;
}

/** The SQL that creates the ledger table. */
export const DEPLOY_LEDGER_DDL = `CREATE TABLE IF NOT EXISTS deploy_ledger (
  run_id TEXT NOT NULL, stage_id TEXT NOT NULL, version TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL DEFAULT now())`;

const Trail = z.object({ n: z.number(), trail: z.array(z.string()) });
const STAGE_MS = Number(process.env.RATCHET_DEPLOY_STAGE_MS ?? 30);

const stage = (id: string, version: string) =>
  defineStage({
    id,
    name: id,
    retry: { maxAttempts: 5, intervalMs: 100 },
    schemas: { input: Trail, output: Trail },
    execute: async (ctx) => {
      await deployLedger.write({ runId: ctx.workflowRunId, stageId: id, version });
      await new Promise((resolve) => setTimeout(resolve, STAGE_MS));
      return { n: ctx.input.n, trail: [...ctx.input.trail, `${version}:${id}`] };
    },
  });

/** Version 1: a → b → c. */
export function orderV1(): AnyWorkflow {
  return defineWorkflow({ id: "deploy-order", name: "Order", input: Trail, output: Trail })
    .pipe(stage("a", "1"))
    .pipe(stage("b", "1"))
    .pipe(stage("c", "1"))
    .build();
}

/**
 * Version 2: a → b2 → x → c. A version-1 run moves with its completed a (and b, as b2 and x)
 * carried over; it resumes where it stood.
 */
export function orderV2(): AnyWorkflow {
  return defineWorkflow({
    id: "deploy-order",
    name: "Order",
    input: Trail,
    output: Trail,
    version: 2,
  })
    .pipe(stage("a", "2"))
    .pipe(stage("b2", "2"))
    .pipe(stage("x", "2"))
    .pipe(stage("c", "2"))
    .migrateFrom(1, (run) => ({
      outputs: {
        ...(run.outputs.a !== undefined ? { a: run.outputs.a } : {}),
        ...(run.outputs.b !== undefined ? { b2: run.outputs.b, x: run.outputs.b } : {}),
      },
    }))
    .build();
}

/** The definitions a worker registers for `RATCHET_DEPLOY_VERSIONS` ("1", "2" or "1,2"). */
export function deployWorkflows(versions: string): AnyWorkflow[] {
  return versions.split(",").map((v) => (v.trim() === "1" ? orderV1() : orderV2()));
}
