/**
 * W4: the kernel alone on the in-memory adapters, no host. Runs are created first (timed
 * separately), then one loop on one core claims pending runs and executes their stages one
 * after another until every run completed: completed stages per second. It drives the kernel
 * the way the Node host does: claims lease the first jobs to the loop (`continueWith`), each
 * stage hands on the run's next one (`continueWith: 1`), and a dequeue picks up anything
 * else.
 * A smaller warm-up pass on a stack of its own runs first, so the JIT has compiled the path.
 */
import {
  createKernel,
  createRegistry,
  type DequeuedJob,
  type JobExecuteResult,
  systemClock,
} from "@ratchet/kernel";
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
    const { claimed, jobs: leased = [] } = await kernel.dispatch({
      type: "run.claimPending",
      workerId: "w4",
      maxClaims: BATCH,
      continueWith: BATCH,
    });
    const queued = await stack.jobTransport.dequeue({
      workerId: "w4",
      limit: BATCH,
      leaseMs: 30_000,
      now: systemClock.now(),
    });
    if (leased.length === 0 && queued.length === 0 && claimed.length === 0) break;
    for (const first of [...leased, ...queued]) {
      let job: DequeuedJob | undefined = first;
      while (job) {
        const result: JobExecuteResult = await kernel.dispatch({
          type: "job.execute",
          workerId: "w4",
          job,
          continueWith: 1,
        });
        if (result.outcome !== "completed")
          throw new Error(`stage ${job.stageId} ended ${result.outcome}`);
        stages++;
        job = result.outcome === "completed" ? result.next?.[0] : undefined;
      }
    }
  }
  const workMs = performance.now() - started;
  if (measured) await stopProfile();
  if (stages !== runs * 3) throw new Error(`expected ${runs * 3} stages, ran ${stages}`);
  return { kind: "kernel", runs, stages, createMs, workMs };
}
