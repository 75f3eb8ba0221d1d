/**
 * W4: the kernel alone on the in-memory adapters, no host. Runs are created first (timed
 * separately), then one loop on one core claims pending runs, dequeues jobs in batches and
 * executes them one after another until every run completed: completed stages per second.
 * A smaller warm-up pass on a stack of its own runs first, so the JIT has compiled the path.
 */
import { createKernel, createRegistry, systemClock } from "@ratchet/kernel";
import { createInMemoryStack } from "@ratchet/kernel/in-memory";
import { startProfile, stopProfile } from "../capture.js";
import type { KernelResult } from "../spec.js";
import { chainWorkflow, discardEvents } from "./ratchet.js";

const BATCH = 100;

export async function kernelTransitions(runs: number): Promise<KernelResult> {
  await pass(Math.min(500, runs), false);
  return pass(runs, true);
}

async function pass(runs: number, measured: boolean): Promise<KernelResult> {
  const stack = createInMemoryStack();
  const kernel = createKernel({
    persistence: stack.persistence,
    jobTransport: stack.jobTransport,
    scheduler: stack.scheduler,
    blobStore: stack.blobStore,
    eventSink: discardEvents,
    clock: systemClock,
    registry: createRegistry([chainWorkflow]),
  });
  const createStarted = performance.now();
  for (let i = 0; i < runs; i++)
    await kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n: i } });
  const createMs = performance.now() - createStarted;

  if (measured) await startProfile();
  const started = performance.now();
  let stages = 0;
  for (;;) {
    const { claimed } = await kernel.dispatch({
      type: "run.claimPending",
      workerId: "w4",
      maxClaims: BATCH,
    });
    const jobs = await stack.jobTransport.dequeue({
      workerId: "w4",
      limit: BATCH,
      leaseMs: 30_000,
      now: systemClock.now(),
    });
    if (jobs.length === 0 && claimed.length === 0) break;
    for (const job of jobs) {
      const result = await kernel.dispatch({ type: "job.execute", workerId: "w4", job });
      if (result.outcome !== "completed")
        throw new Error(`stage ${job.stageId} ended ${result.outcome}`);
      stages++;
    }
  }
  const workMs = performance.now() - started;
  if (measured) await stopProfile();
  if (stages !== runs * 3) throw new Error(`expected ${runs * 3} stages, ran ${stages}`);
  return { kind: "kernel", runs, stages, createMs, workMs };
}
