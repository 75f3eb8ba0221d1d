/**
 * The measurement frames every system goes through, so each is timed the same way:
 * - throughput (W1, W2): set up, enqueue every run (timed), then start the worker and time until
 *   a probe on its own connection sees every run completed (polled every 50 ms); on PostgreSQL
 *   the server's counters are read around the worker's window; afterwards each run's times
 *   (created, first stage started, completed) are read for the per-run latency under the backlog;
 * - latency (W3): an idle worker; a caller creates one run at a time and polls its completion
 *   every millisecond, with random 50–150 ms gaps between runs.
 */
import pg from "pg";
import { startProfile, stopProfile } from "./capture.js";
import {
  lsnDiff,
  machineBusyMs,
  POSTGRES_ADMIN_URL,
  postgresCpuMs,
  queriesSoFar,
  readCounters,
  type ServerCounters,
  waitForNoBackends,
} from "./postgres.js";
import { type RunTimes, runLatency } from "./run-latency.js";
import { CONCURRENCY, type LatencyResult, type ThroughputResult } from "./spec.js";
import { forEachLimit, pollUntil, sleep } from "./util.js";

export type { RunTimes } from "./run-latency.js";

/** Where a system keeps its state. */
export type Target =
  | { kind: "postgres"; url: string; name: string }
  | { kind: "sqlite"; file: string };

/** A running worker. */
export interface RunningWorker {
  stop(): Promise<void>;
  /** Ratchet only: the stack's statement counts since the worker started. */
  statements?: () => { statements: number; transactions: number; autocommit: number };
}

/** What a system provides to the frames. */
export interface Driver {
  /** Creates the schema (not timed). */
  setup(): Promise<void>;
  /** A client that enqueues runs; `enqueue(i)` creates run number i with input i. */
  openEnqueuer(): Promise<{ enqueue(i: number): Promise<void>; close(): Promise<void> }>;
  /** Starts a worker running up to {@link CONCURRENCY} stages at once. */
  startWorker(): Promise<RunningWorker>;
  /** A cheap "how many runs have completed" on its own connection. */
  openProbe(): Promise<{ completed(): Promise<number>; close(): Promise<void> }>;
  /**
   * Every completed run's times (W1, W2), read on a connection of its own once the measured
   * window and its counters are over: when the run was created, when its first stage started and
   * when it completed, as the system recorded them.
   */
  runTimes?(): Promise<RunTimes[]>;
  /** A caller for W3: creates run i and tells whether it has completed. */
  openCaller(): Promise<{
    create(i: number): Promise<string>;
    isCompleted(id: string): Promise<boolean>;
    close(): Promise<void>;
  }>;
}

/** A pg client on the bench database, for probes and callers. */
export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** W1/W2: see the module comment. */
export async function throughput(
  driver: Driver,
  target: Target,
  runs: number,
  stagesPerRun: number,
): Promise<ThroughputResult> {
  await driver.setup();
  const enqueuer = await driver.openEnqueuer();
  const enqueueStarted = performance.now();
  await forEachLimit(runs, CONCURRENCY, (i) => enqueuer.enqueue(i));
  const enqueueMs = performance.now() - enqueueStarted;
  await enqueuer.close();

  const probe = await driver.openProbe();
  const admin = target.kind === "postgres" ? await connect(POSTGRES_ADMIN_URL) : undefined;
  let before: ServerCounters | undefined;
  if (admin && target.kind === "postgres") {
    // Only the probe is connected now; everything the enqueuer did has been flushed.
    await waitForNoBackends(admin, target.name, 10_000, 1);
    before = await readCounters(admin, target.name);
  }
  await startProfile();
  const queriesBefore = queriesSoFar();
  const cpuBefore = process.cpuUsage();
  const pgCpuBefore = postgresCpuMs();
  const machineBefore = machineBusyMs();
  const started = performance.now();
  const workerStartedMs = Date.now();
  const worker = await driver.startWorker();
  const startMs = performance.now() - started;
  let probeQueries = 0;
  await pollUntil(
    async () => {
      probeQueries++;
      return (await probe.completed()) >= runs;
    },
    { everyMs: 50, timeoutMs: 30 * 60_000, what: `${runs} runs to complete` },
  );
  const workMs = performance.now() - started;
  await stopProfile();
  const cpu = process.cpuUsage(cpuBefore);
  const pgCpuMs = postgresCpuMs() - pgCpuBefore;
  const machineMs = machineBusyMs() - machineBefore;
  // The probe's own queries go through `pg` in this process too (Ratchet's SQLite probe does not).
  const queries = queriesSoFar() - queriesBefore - (target.kind === "postgres" ? probeQueries : 0);
  const statements = worker.statements?.();
  await worker.stop();
  await probe.close();

  const workerCpu = ((cpu.user + cpu.system) / 1000 / workMs) * 100;
  const result: ThroughputResult = {
    kind: "throughput",
    runs,
    stages: runs * stagesPerRun,
    enqueueMs,
    workMs,
    startMs,
    workerCpuPercent: workerCpu,
    // On SQLite, PostgreSQL's processes are someone else's: count them as "other".
    postgresCpuPercent: target.kind === "postgres" ? (pgCpuMs / workMs) * 100 : Number.NaN,
    otherCpuPercent:
      ((machineMs - (target.kind === "postgres" ? pgCpuMs : 0)) / workMs) * 100 - workerCpu,
  };
  if (admin && before && target.kind === "postgres") {
    await waitForNoBackends(admin, target.name);
    const after = await readCounters(admin, target.name);
    result.db = {
      commits: after.commits - before.commits - probeQueries,
      sessions: after.sessions - before.sessions,
      walBytes: after.walBytes - before.walBytes,
      walRecords: after.walRecords - before.walRecords,
      walFullPageImages: after.walFullPageImages - before.walFullPageImages,
      walLsnBytes: await lsnDiff(admin, before.lsn, after.lsn),
      queries,
      ...(statements ? { ratchet: statements } : {}),
    };
  }
  await admin?.end();
  const times = await driver.runTimes?.();
  if (times) result.runLatency = runLatency(times, workerStartedMs);
  return result;
}

/** W3: see the module comment. */
export async function latency(
  driver: Driver,
  samples: number,
  warmup: number,
): Promise<LatencyResult> {
  await driver.setup();
  const worker = await driver.startWorker();
  const caller = await driver.openCaller();
  const once = async (i: number) => {
    const started = performance.now();
    const id = await caller.create(i);
    await pollUntil(() => caller.isCompleted(id), {
      everyMs: 1,
      timeoutMs: 60_000,
      what: `run ${id} to complete`,
    });
    return performance.now() - started;
  };
  for (let i = 0; i < warmup; i++) {
    await sleep(50 + Math.random() * 100);
    await once(i);
  }
  const latenciesMs: number[] = [];
  const machineBefore = machineBusyMs();
  const cpuBefore = process.cpuUsage();
  const pgCpuBefore = postgresCpuMs();
  const started = performance.now();
  for (let i = 0; i < samples; i++) {
    await sleep(50 + Math.random() * 100);
    latenciesMs.push(await once(warmup + i));
  }
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const ownMs = (cpu.user + cpu.system) / 1000 + (postgresCpuMs() - pgCpuBefore);
  const otherCpuPercent = ((machineBusyMs() - machineBefore - ownMs) / elapsedMs) * 100;
  await caller.close();
  await worker.stop();
  return { kind: "latency", latenciesMs, otherCpuPercent };
}
