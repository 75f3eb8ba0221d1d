/**
 * What the harness asks of a child process and what the child answers: the systems, the
 * workloads, their sizes in quick and full mode, and the result shapes.
 */

/**
 * Everything measured. `ratchet-memory` only runs W4 and W5 (the kernel alone, no database).
 */
export const SYSTEMS = [
  "ratchet-postgres",
  "ratchet-sqlite",
  "graphile-worker",
  "pg-boss",
  "pg-boss-batch",
  "dbos",
] as const;
export type DatabaseSystem = (typeof SYSTEMS)[number];
export type System = DatabaseSystem | "ratchet-memory";

/**
 * The peers: job queues and a workflow engine on the same PostgreSQL. A peer may appear in more
 * than one setting (pg-boss: one job per fetch, and batches of 10); every setting is a peer of
 * its own, so "the fastest peer" is the fastest setting of the run.
 */
export const PEERS = ["graphile-worker", "pg-boss", "pg-boss-batch", "dbos"] as const;
export type Peer = (typeof PEERS)[number];

export const WORKLOADS = ["w1", "w2", "w3", "w4", "w5"] as const;
export type Workload = (typeof WORKLOADS)[number];

/**
 * The systems W5 (signal round trip) runs on: Ratchet's stores. The peers have no signal
 * primitive measured here (not applicable); `ratchet-memory` runs it with no host.
 */
export const SIGNAL_SYSTEMS: readonly System[] = ["ratchet-postgres", "ratchet-sqlite"];

/** What `--systems` accepts: the database systems, and `ratchet-memory` (W4 and W5 only). */
export const SELECTABLE_SYSTEMS: readonly System[] = [...SYSTEMS, "ratchet-memory"];

/**
 * The systems `workload` runs on in repetition `rep` (0-based), of those `selected`: W4 on
 * `ratchet-memory` alone; W5 on the selected systems of {@link SIGNAL_SYSTEMS}, then
 * `ratchet-memory`; the others on every selected database system (`ratchet-memory` has no
 * database). The order rotates each repetition, so drift hits every system alike.
 */
export function systemsFor(workload: Workload, selected: readonly System[], rep: number): System[] {
  if (workload === "w4") return ["ratchet-memory"];
  const eligible =
    workload === "w5"
      ? selected.filter((s) => SIGNAL_SYSTEMS.includes(s))
      : selected.filter((s) => s !== "ratchet-memory");
  const rotated = eligible.map((_, i) => eligible[(i + rep) % eligible.length] as System);
  return workload === "w5" ? [...rotated, "ratchet-memory"] : rotated;
}

/** How many of each, per mode. */
export interface Sizes {
  /** W1: runs of 3 sequential stages. */
  w1Runs: number;
  /** W2: runs of 10 parallel stages plus a join. */
  w2Runs: number;
  /** W3: measured runs, one at a time, after `w3Warmup` unmeasured ones. */
  w3Samples: number;
  w3Warmup: number;
  /** W4: runs of 3 stages through the in-memory kernel. */
  w4Runs: number;
  /** W5: runs left waiting for a signal while the round trips are measured. */
  w5Waiting: number;
  /** W5: measured round trips, one at a time, after `w5Warmup` unmeasured ones. */
  w5Samples: number;
  w5Warmup: number;
  /** Repetitions of every workload (each in a fresh process on a fresh database). */
  repetitions: number;
}

export const QUICK: Sizes = {
  w1Runs: 500,
  w2Runs: 100,
  w3Samples: 20,
  w3Warmup: 5,
  w4Runs: 2_000,
  w5Waiting: 200,
  w5Samples: 50,
  w5Warmup: 10,
  repetitions: 3,
};

/** The sizes. */
export const FULL: Sizes = {
  w1Runs: 2_000,
  w2Runs: 200,
  w3Samples: 50,
  w3Warmup: 10,
  w4Runs: 10_000,
  w5Waiting: 1_000,
  w5Samples: 200,
  w5Warmup: 20,
  repetitions: 3,
};

/** Stages in a run of each workload. */
export const STAGES_PER_RUN = { w1: 3, w2: 11, w3: 3, w4: 3, w5: 2 } as const;

/** Jobs or stages a worker runs at once, for every system. */
export const CONCURRENCY = 10;

/** What the harness passes to a child (as JSON in argv[2]). */
export interface ChildSpec {
  system: System;
  workload: Workload;
  sizes: Sizes;
  /** The measured window is CPU-profiled (BENCH_PROFILE_FILE names the file); recorded only. */
  profiled?: boolean;
}

/** What the database did during a throughput window (PostgreSQL only). */
export interface DbCost {
  /** `pg_stat_database.xact_commit` delta for the bench database, less the probe's queries. */
  commits: number;
  /** New connections in the window (`pg_stat_database.sessions`). */
  sessions: number;
  /** `pg_stat_wal.wal_bytes` delta (server-wide). */
  walBytes: number;
  /** `pg_stat_wal.wal_records` and `wal_fpi` (full-page images) deltas (server-wide). */
  walRecords?: number;
  walFullPageImages?: number;
  /** `pg_current_wal_lsn()` delta (server-wide), a cross-check of `walBytes`. */
  walLsnBytes: number;
  /** Queries the worker process sent (`pg.Client#query` calls, BEGIN/COMMIT included). */
  queries: number;
  /** Ratchet only: the stack's `onStatement` counts. */
  ratchet?: { statements: number; transactions: number; autocommit: number };
}

/** Percentiles of per-run latencies (ms); NaN (null in JSON) when no run had the times. */
export interface LatencyPercentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Per-run latency under the backlog of a W1/W2 repetition: every run was created before the
 * worker started, so how soon each one completes shows whether the worker makes progress on runs
 * in the order they came (a run at a time) or on stages across all runs at once (every run ends
 * near the end). Times come from the system's own records where it has them (see the drivers'
 * `runTimes`).
 */
export interface RunLatency {
  /** Runs whose times were read. */
  runs: number;
  /** Created (or the worker started, if later) → completed. */
  createToDoneMs: LatencyPercentiles;
  /** The run's first stage started → completed. */
  startToDoneMs: LatencyPercentiles;
}

/** W1/W2 result of one repetition. */
export interface ThroughputResult {
  kind: "throughput";
  runs: number;
  stages: number;
  enqueueMs: number;
  /** From starting the worker until every run was seen completed. */
  workMs: number;
  /** Until the worker's start call returned (part of `workMs`). */
  startMs: number;
  /** CPU time of the worker process and of all PostgreSQL processes over `workMs`, in % of one core (PostgreSQL: NaN, written as null, on SQLite). */
  workerCpuPercent: number;
  postgresCpuPercent: number;
  /** CPU the rest of the machine used meanwhile (other processes), in % of one core. */
  otherCpuPercent: number;
  db?: DbCost;
  /** Per-run latency under the backlog (results written before it existed have none). */
  runLatency?: RunLatency;
}

/** W3 result of one repetition: create → completed latencies as the caller saw them. */
export interface LatencyResult {
  kind: "latency";
  latenciesMs: number[];
  /** CPU other processes used while the samples were taken, in % of one core. */
  otherCpuPercent: number;
}

/** W4 result of one repetition. */
export interface KernelResult {
  kind: "kernel";
  runs: number;
  stages: number;
  createMs: number;
  workMs: number;
}

/**
 * W5 result of one repetition: `waiting` runs wait for a signal; round trips are timed one at a
 * time (`run.signal` sent → the run seen completed), then every waiting run is signalled at once.
 */
export interface SignalRoundTripResult {
  kind: "signal";
  /** Runs still waiting after the timed round trips (they were waiting throughout). */
  waiting: number;
  /** From creating every run until all of them waited. */
  reachMs: number;
  /** Send → the run seen completed, one at a time (idle worker otherwise). */
  latenciesMs: number[];
  /** How long `run.signal` itself took, for the same samples. */
  sendMs: number[];
  /** Burst: every waiting run signalled, {@link CONCURRENCY} sends at a time. */
  burst: {
    signals: number;
    /** From the first send until the last `run.signal` returned. */
    sendMs: number;
    /** From the first send until every run was seen completed. */
    workMs: number;
    /** CPU of this process (worker and sender) and of PostgreSQL over `workMs`, % of one core. */
    processCpuPercent: number;
    postgresCpuPercent: number;
  };
  /** CPU other processes used while the samples were taken, in % of one core. */
  otherCpuPercent: number;
}

export type ChildResult = ThroughputResult | LatencyResult | KernelResult | SignalRoundTripResult;

/** The line a child prints last: `RESULT <json>`. */
export const RESULT_PREFIX = "RESULT ";
