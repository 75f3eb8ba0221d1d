/**
 * W5 on the in-memory adapters, no host and no database (like W4): the kernel's own cost of a
 * signal round trip. Runs are created and driven to their wait by one loop (as W4 drives them);
 * then each timed round trip is `run.signal` (which delivers the signal and resumes the waiting
 * stage) followed by executing the job that resumption enqueued, until the run completed. The
 * burst signals every run still waiting, then executes their jobs. A smaller warm-up pass on a
 * stack of its own runs first, so the JIT has compiled the path.
 */
import {
  createKernel,
  createRegistry,
  type DequeuedJob,
  type JobExecuteResult,
  type Kernel,
  systemClock,
} from "@ratchet/kernel";
import { createInMemoryStack, type InMemoryStack } from "@ratchet/kernel/in-memory";
import { machineBusyMs } from "../postgres.js";
import type { SignalRoundTripResult, Sizes } from "../spec.js";
import { shuffle } from "../util.js";
import { discardEvents } from "./ratchet.js";
import { SIGNAL_NAME, signalWorkflow } from "./ratchet-signal.js";

type W5Sizes = Pick<Sizes, "w5Waiting" | "w5Samples" | "w5Warmup">;

const BATCH = 100;

/** W5 on the kernel alone: see the module comment. */
export async function kernelSignalRoundTrips(sizes: W5Sizes): Promise<SignalRoundTripResult> {
  await pass({ w5Waiting: Math.min(200, sizes.w5Waiting), w5Warmup: 0, w5Samples: 50 });
  return pass(sizes);
}

/** Executes every job there is until none is left; returns the outcomes by kind. */
async function drain(kernel: Kernel, stack: InMemoryStack): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  for (;;) {
    const { claimed, jobs: leased = [] } = await kernel.dispatch({
      type: "run.claimPending",
      workerId: "w5",
      maxClaims: BATCH,
      continueWith: BATCH,
    });
    const queued = await stack.jobTransport.dequeue({
      workerId: "w5",
      limit: BATCH,
      leaseMs: 30_000,
      now: systemClock.now(),
    });
    if (leased.length === 0 && queued.length === 0 && claimed.length === 0) return outcomes;
    for (const first of [...leased, ...queued]) {
      let job: DequeuedJob | undefined = first;
      while (job) {
        const result: JobExecuteResult = await kernel.dispatch({
          type: "job.execute",
          workerId: "w5",
          job,
          continueWith: 1,
        });
        outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
        job = result.outcome === "completed" ? result.next?.[0] : undefined;
      }
    }
  }
}

async function pass(sizes: W5Sizes): Promise<SignalRoundTripResult> {
  const stack = createInMemoryStack();
  const kernel = createKernel({
    ...stack,
    eventSink: discardEvents,
    clock: systemClock,
    registry: createRegistry([signalWorkflow]),
  });
  const total = sizes.w5Waiting + sizes.w5Warmup + sizes.w5Samples;
  const created = performance.now();
  const runs: { id: string; n: number }[] = [];
  for (let n = 0; n < total; n++) {
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: signalWorkflow.id,
      input: { n },
    });
    runs.push({ id: workflowRunId, n });
  }
  const reached = await drain(kernel, stack);
  if (reached.suspended !== total) throw new Error(`${reached.suspended}/${total} runs waited`);
  const reachMs = performance.now() - created;
  shuffle(runs);

  let completed = 0;
  const signal = async ({ id, n }: { id: string; n: number }) => {
    const sent = await kernel.dispatch({
      type: "run.signal",
      workflowRunId: id,
      name: SIGNAL_NAME,
      payload: { n },
    });
    if (sent.status !== "delivered") throw new Error(`signal to run ${id} was ${sent.status}`);
  };
  const roundTrip = async (run: { id: string; n: number }) => {
    const started = performance.now();
    await signal(run);
    const sent = performance.now() - started;
    completed += (await drain(kernel, stack)).completed ?? 0;
    return { latency: performance.now() - started, sent };
  };
  const timed = runs.splice(0, sizes.w5Warmup + sizes.w5Samples);
  for (const run of timed.splice(0, sizes.w5Warmup)) await roundTrip(run);
  const latenciesMs: number[] = [];
  const sendMs: number[] = [];
  const machineBefore = machineBusyMs();
  const cpuBefore = process.cpuUsage();
  const sampling = performance.now();
  for (const run of timed) {
    const { latency, sent } = await roundTrip(run);
    latenciesMs.push(latency);
    sendMs.push(sent);
  }
  const samplingMs = performance.now() - sampling;
  const own = process.cpuUsage(cpuBefore);
  const otherCpuPercent =
    ((machineBusyMs() - machineBefore - (own.user + own.system) / 1000) / samplingMs) * 100;

  const cpuBurst = process.cpuUsage();
  const started = performance.now();
  for (const run of runs) await signal(run);
  const burstSendMs = performance.now() - started;
  completed += (await drain(kernel, stack)).completed ?? 0;
  const workMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBurst);
  if (completed !== total) throw new Error(`${completed}/${total} runs completed`);
  return {
    kind: "signal",
    waiting: runs.length,
    reachMs,
    latenciesMs,
    sendMs,
    burst: {
      signals: runs.length,
      sendMs: burstSendMs,
      workMs,
      processCpuPercent: ((cpu.user + cpu.system) / 1000 / workMs) * 100,
      postgresCpuPercent: Number.NaN,
    },
    otherCpuPercent,
  };
}
