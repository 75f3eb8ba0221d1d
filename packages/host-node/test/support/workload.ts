/**
 * The end-to-end workload: a → (b ∥ c) → d. Every stage execution appends a line
 * `runId stageId attempt pid` to a ledger file, so tests can count executions across processes.
 */
import { appendFileSync } from "node:fs";
import {
  createKernel,
  createRegistry,
  defineStage,
  defineWorkflow,
  type Kernel,
  type KernelConfig,
  systemClock,
} from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { z } from "zod";

/** Settings read from the environment (child workers) or set directly (in-process tests). */
export const workload = {
  ledger: process.env.RATCHET_LEDGER ?? "",
  /** How long stage "b" works, honouring its abort signal. */
  slowStageMs: Number(process.env.RATCHET_SLOW_STAGE_MS ?? 0),
  /** Whether stage "b" reports progress first (a small transaction that locks its run's row). */
  reportProgress: false,
};

function record(runId: string, stageId: string, attempt: number): void {
  if (workload.ledger)
    appendFileSync(workload.ledger, `${runId} ${stageId} ${attempt} ${process.pid}\n`);
}

const N = z.object({ n: z.number() });

const stage = <const Id extends string>(id: Id, slow = false) =>
  defineStage({
    id,
    name: id,
    schemas: { input: N, output: N },
    execute: async (ctx) => {
      record(ctx.workflowRunId, id, ctx.attempt);
      if (slow && workload.reportProgress) ctx.onProgress({ progress: 0.5 });
      if (slow && workload.slowStageMs > 0) {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, workload.slowStageMs);
          ctx.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(ctx.signal.reason);
          });
        });
      }
      return { n: ctx.input.n + 1 };
    },
  });

const join = defineStage({
  id: "d",
  name: "d",
  schemas: { input: z.object({ b: N, c: N }), output: N },
  execute: (ctx) => {
    record(ctx.workflowRunId, "d", ctx.attempt);
    return { n: ctx.input.b.n + ctx.input.c.n };
  },
});

/** a → (b ∥ c) → d; output n = 2·(input + 2). */
export const e2eWorkflow = defineWorkflow({ id: "e2e", name: "End to end", input: N, output: N })
  .pipe(stage("a"))
  .parallel([stage("b", true), stage("c")])
  .pipe(join)
  .build();

/** Ledger lines as `{ runId, stageId, attempt, pid }`. */
export function readLedger(
  text: string,
): Array<{ runId: string; stageId: string; attempt: number; pid: number }> {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [runId = "", stageId = "", attempt = "0", pid = "0"] = line.split(" ");
      return { runId, stageId, attempt: Number(attempt), pid: Number(pid) };
    });
}

/** The storage ports a kernel runs on (a stack has them all). */
type StoragePorts = Pick<KernelConfig, "persistence" | "jobTransport" | "scheduler" | "blobStore">;

/** A kernel for {@link e2eWorkflow} over `ports`, on the system clock, collecting its events. */
export function e2eKernel(ports: StoragePorts): Kernel {
  return createKernel({
    persistence: ports.persistence,
    jobTransport: ports.jobTransport,
    scheduler: ports.scheduler,
    blobStore: ports.blobStore,
    eventSink: new CollectingEventSink(),
    clock: systemClock,
    registry: createRegistry([e2eWorkflow]),
  });
}
