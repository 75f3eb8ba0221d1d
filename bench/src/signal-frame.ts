/**
 * W5, signal round trip, on a store: a worker runs; `waiting + warm-up + samples` runs are
 * created and brought to their wait (timed: `reachMs`). Then, with every one of them waiting,
 * a sender on its own connection signals one run at a time, 50–150 ms apart (random), in a
 * random order, and polls that run's completion every millisecond: send → completed is one
 * sample (the `run.signal` call alone is timed too). Last, the burst: the `waiting` runs still
 * waiting are all signalled, {@link CONCURRENCY} sends at a time, and timed until a probe
 * (every 10 ms) sees every run completed.
 */
import type { RunningWorker } from "./frames.js";
import { machineBusyMs, postgresCpuMs } from "./postgres.js";
import { CONCURRENCY, type SignalRoundTripResult, type Sizes } from "./spec.js";
import { forEachLimit, pollUntil, shuffle, sleep } from "./util.js";

/** What a store provides for W5. */
export interface SignalDriver {
  /** Creates the schema (not timed). */
  setup(): Promise<void>;
  /** Starts a worker running up to {@link CONCURRENCY} stages at once. */
  startWorker(): Promise<RunningWorker>;
  /** A sender on connections of its own. */
  openSender(): Promise<{
    /** Creates run number i (input i); returns its id. */
    create(i: number): Promise<string>;
    /** Signals the waiting run `runId` with payload `{ n }`; throws unless delivered. */
    signal(runId: string, n: number): Promise<void>;
    /** Runs waiting for a signal now. */
    waiting(): Promise<number>;
    /** Completed runs now. */
    completed(): Promise<number>;
    isCompleted(runId: string): Promise<boolean>;
    close(): Promise<void>;
  }>;
}

/** W5: see the module comment. `postgres`: whether the store is PostgreSQL (CPU figures). */
export async function signalRoundTrip(
  driver: SignalDriver,
  sizes: Pick<Sizes, "w5Waiting" | "w5Samples" | "w5Warmup">,
  postgres: boolean,
): Promise<SignalRoundTripResult> {
  await driver.setup();
  const worker = await driver.startWorker();
  const sender = await driver.openSender();
  const total = sizes.w5Waiting + sizes.w5Warmup + sizes.w5Samples;
  const ids: string[] = [];
  const created = performance.now();
  await forEachLimit(total, CONCURRENCY, async (i) => {
    ids[i] = await sender.create(i);
  });
  await pollUntil(async () => (await sender.waiting()) >= total, {
    everyMs: 50,
    timeoutMs: 10 * 60_000,
    what: `${total} runs to wait for their signal`,
  });
  const reachMs = performance.now() - created;
  const order = shuffle(ids.map((id, n) => ({ id, n })));

  const once = async ({ id, n }: { id: string; n: number }) => {
    await sleep(50 + Math.random() * 100);
    const started = performance.now();
    await sender.signal(id, n);
    const sent = performance.now() - started;
    await pollUntil(() => sender.isCompleted(id), {
      everyMs: 1,
      timeoutMs: 60_000,
      what: `run ${id} to complete after its signal`,
    });
    return { latency: performance.now() - started, sent };
  };
  const timed = order.splice(0, sizes.w5Warmup + sizes.w5Samples);
  for (const run of timed.splice(0, sizes.w5Warmup)) await once(run);
  const latenciesMs: number[] = [];
  const sendMs: number[] = [];
  const machineBefore = machineBusyMs();
  const cpuBefore = process.cpuUsage();
  const pgBefore = postgresCpuMs();
  const sampling = performance.now();
  for (const run of timed) {
    const { latency, sent } = await once(run);
    latenciesMs.push(latency);
    sendMs.push(sent);
  }
  const samplingMs = performance.now() - sampling;
  const own = process.cpuUsage(cpuBefore);
  // On SQLite, PostgreSQL's processes are someone else's: they count as "other".
  const ownMs = (own.user + own.system) / 1000 + (postgres ? postgresCpuMs() - pgBefore : 0);
  const otherCpuPercent = ((machineBusyMs() - machineBefore - ownMs) / samplingMs) * 100;

  const burst = await signalAll(sender, order, total, postgres);
  await sender.close();
  await worker.stop();
  return {
    kind: "signal",
    waiting: order.length,
    reachMs,
    latenciesMs,
    sendMs,
    burst,
    otherCpuPercent,
  };
}

/** The burst: signals every run of `runs`, then waits until `total` runs completed. */
async function signalAll(
  sender: Awaited<ReturnType<SignalDriver["openSender"]>>,
  runs: readonly { id: string; n: number }[],
  total: number,
  postgres: boolean,
): Promise<SignalRoundTripResult["burst"]> {
  const cpuBefore = process.cpuUsage();
  const pgBefore = postgresCpuMs();
  const started = performance.now();
  await forEachLimit(runs.length, CONCURRENCY, async (i) => {
    const run = runs[i] as { id: string; n: number };
    await sender.signal(run.id, run.n);
  });
  const sendMs = performance.now() - started;
  await pollUntil(async () => (await sender.completed()) >= total, {
    everyMs: 10,
    timeoutMs: 10 * 60_000,
    what: `${total} runs to complete`,
  });
  const workMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    signals: runs.length,
    sendMs,
    workMs,
    processCpuPercent: ((cpu.user + cpu.system) / 1000 / workMs) * 100,
    postgresCpuPercent: postgres ? ((postgresCpuMs() - pgBefore) / workMs) * 100 : Number.NaN,
  };
}
