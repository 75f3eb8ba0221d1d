/**
 * The options and result of `simulate`: fault rates and their defaults, the runs to create,
 * what a `workflows` factory gets, the counts a simulation reports, and its default reproducer.
 */
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { InMemoryStore } from "../../in-memory/index.js";
import type { Kernel, KernelConfig } from "../../kernel.js";
import type { KernelOptions } from "../../options.js";
import type { JobTransport } from "../../ports/job-transport.js";
import type { Persistence } from "../../ports/persistence/index.js";
import type { Scheduler } from "../../ports/scheduler.js";
import type { FakeClock } from "../fake-clock.js";
import type { SimulationModel } from "./model.js";
import type { Prng } from "./prng.js";
import type { SimulationScheduleSpec } from "./schedules.js";
import type { StageExecution } from "./workflows.js";

/** Fault rates; each is a probability (0 turns the fault off). */
export interface SimulationFaults {
  /** Per step: a worker process dies between commands (its leased jobs must expire). */
  crashBetween: number;
  /** Per command: the worker dies at a random port call inside it (its transaction rolls back). */
  crashInside: number;
  /** Per command: the worker dies right after a commit, before it sees the result. */
  crashAfterCommit: number;
  /** Per port call outside a transaction: the command pauses, so others run in between. */
  pause: number;
  /** Per executed job: the same delivery is executed again at once. */
  duplicate: number;
  /** Per step: an old delivery (maybe long re-leased to another worker) is executed again. */
  staleDelivery: number;
  /** Per step: the clock jumps (up to minutes, past leases and back-offs). */
  clockJump: number;
  /** Per publish: the event sink rejects the event. */
  sinkFailure: number;
  /** Per step: a random unfinished run is cancelled. */
  cancel: number;
  /**
   * Per command: one of its port calls fails with a database error the process survives (the
   * call does nothing; a transaction it is in is aborted and rolls back).
   */
  databaseError: number;
  /**
   * Per command: its next transaction or stage commit takes simulated time (1 s to 45 s,
   * sometimes past a lease) before the caller hears back.
   */
  slowCommit: number;
  /**
   * Per step: a worker's clock gets a new skew from the shared time, within
   * ±`SIMULATION_MAX_CLOCK_SKEW_MS` (2 s) — a new skew below the old one steps its clock back.
   */
  clockSkew: number;
  /**
   * Per step: two workers' maintenance ticks overlap — one pauses mid-tick, the other runs a
   * whole tick, then the first goes on.
   */
  tickOverlap: number;
}

/** The fault rates `simulate` uses by default. */
export const DEFAULT_SIMULATION_FAULTS: Readonly<SimulationFaults> = Object.freeze({
  crashBetween: 0.02,
  crashInside: 0.04,
  crashAfterCommit: 0.03,
  pause: 0.06,
  duplicate: 0.1,
  staleDelivery: 0.04,
  clockJump: 0.08,
  sinkFailure: 0.05,
  cancel: 0.01,
  databaseError: 0.03,
  slowCommit: 0.03,
  clockSkew: 0.05,
  tickOverlap: 0.02,
});

/** A run to create: a registered workflow and its input. */
export interface SimulationRunSpec {
  workflowId: string;
  input: unknown;
}

/** What a `workflows` factory gets, to build deterministic stages. */
export interface SimulationEnv {
  seed: number;
  /** The simulation's clock (all workers share it). */
  clock: FakeClock;
  /** A generator of its own, for the factory to use. */
  prng: Prng;
  /** Stages may record their executions here; `SimulationResult.executions` counts them. */
  executions: StageExecution[];
}

/** The shared ports a simulation runs on (before fault injection). */
export interface SimulationPorts {
  persistence: Persistence;
  jobTransport: JobTransport;
  scheduler: Scheduler;
}

/** Options of {@link simulate}. */
export interface SimulationOptions {
  /** The seed: the same options and seed replay the same simulation exactly. */
  seed: number;
  /**
   * The workflows to run, or a factory of them (stages must be deterministic: decide failures
   * with `hashUnit(seed, ctx.workflowRunId, ctx.stageId, ctx.attempt)`, never `Math.random`).
   * Default: {@link simulationWorkflows}.
   */
  workflows?: readonly AnyWorkflow[] | ((env: SimulationEnv) => readonly AnyWorkflow[]);
  /** Runs to create: a number (of random workflows and {@link SimulationOptions.input}) or a list. Default 6. */
  runs?: number | readonly SimulationRunSpec[];
  /**
   * Cron schedules to create at the start (default none): every worker's duties tick them
   * through the faults, the runs they start join the runs the simulation drives to their end,
   * and no slot may start two runs (`schedule-slot-twice`). They are paused when the faults
   * stop.
   */
  schedules?: readonly SimulationScheduleSpec[];
  /** The input of the `index`-th run when `runs` is a number (default `{ n: index }`). */
  input?: (workflowId: string, index: number, prng: Prng) => unknown;
  /** Simulated worker processes (default 3). */
  workers?: number;
  /** Steps with faults (default 150). */
  steps?: number;
  /** Fault rates over {@link DEFAULT_SIMULATION_FAULTS}; `false`: no faults at all. */
  faults?: Partial<SimulationFaults> | false;
  /** Rounds of the quiescent phase before "every run terminates" fails (default 400). */
  quiescentRounds?: number;
  /** Fake time each quiescent round moves the clock (default 5 000 ms). */
  quiescentStepMs?: number;
  /** Kernel options of every worker. */
  kernelOptions?: Partial<KernelOptions>;
  /**
   * Whether completions use the in-memory store's own stage committer, or the kernel's
   * transactional one (where a crash can hit every write). Default: chosen by the seed.
   */
  storeCommitter?: boolean;
  /**
   * Whether each worker registers only some of the workflows (worker `k` lacks workflow
   * `k mod n`; every workflow keeps at least one worker), as hosts of a rolling deploy or of
   * different services do; no run may then fail for routing. Default: on for odd seeds.
   */
  partialRegistries?: boolean;
  /** Wraps the shared ports (e.g. to test the invariants against a broken adapter). */
  wrapPorts?: (ports: SimulationPorts, store: InMemoryStore) => SimulationPorts;
  /**
   * Wraps the workflow definitions the workers register (e.g. to test the invariants against
   * a kernel that misuses them); the checks still judge the work by the unwrapped ones and the
   * model.
   */
  wrapWorkflows?: (workflows: readonly AnyWorkflow[]) => readonly AnyWorkflow[];
  /**
   * Builds each worker's kernel from its config (default `createKernel`), e.g. to put a
   * deliberately broken command in front of a real kernel.
   */
  createKernel?: (config: KernelConfig) => Kernel;
  /**
   * What the work must come to, computed without the kernel: enables the `wrong-output`,
   * `completed-failing-attempt` and `failure-unexplained` invariants. Default: the model of
   * the simulator's own workflows when `workflows` is not given, else none.
   */
  model?: SimulationModel;
  /** The one-line reproducer printed on failure (default `simulate({ seed: N, … })`). */
  reproduce?: (seed: number) => string;
  /** How many recent actions a failure shows (default 20). */
  traceSize?: number;
}

/** Counts of what a simulation did. */
export interface SimulationResult {
  seed: number;
  /** Steps with faults, and quiescent rounds it took to finish every run. */
  steps: number;
  quiescentRounds: number;
  /** Commands dispatched (every worker, both phases). */
  commands: number;
  /** Commands that were rejected with a `RatchetError` (e.g. cancelling a finished run). */
  commandErrors: number;
  /** Stage executions recorded by the stages. */
  executions: number;
  /** Fake time that passed (ms). */
  fakeTimeMs: number;
  /** Faults injected. */
  faults: {
    crashesBetween: number;
    crashesInside: number;
    crashesAfterCommit: number;
    pauses: number;
    duplicateDeliveries: number;
    staleDeliveries: number;
    clockJumps: number;
    sinkFailures: number;
    cancels: number;
    /** Port calls that failed with a database error. */
    databaseErrors: number;
    /** Commands that rejected with an injected database error. */
    databaseErrorRejections: number;
    slowCommits: number;
    /** Changes of a worker's clock skew, and those that stepped its clock back. */
    clockSkews: number;
    clockStepsBack: number;
    /** Maintenance ticks that another worker's whole tick ran in the middle of. */
    overlappingTicks: number;
  };
  /** Signals sent and child runs started (the simulator's own waiting workflows). */
  waits: SimulationWaitCounts;
  /** Final statuses of the runs (child runs included). */
  runs: { total: number; completed: number; failed: number; cancelled: number; timedOut: number };
}

/** What a simulation did with signals and child runs. */
export interface SimulationWaitCounts {
  /** `run.signal` commands sent, and what they answered. */
  signalsSent: number;
  delivered: number;
  buffered: number;
  duplicates: number;
  /** Refused because the run had ended (`RUN_ENDED`). */
  refusedEnded: number;
  /** Sends of an id sent before (with another payload), and of a payload sent before (new id). */
  sameIdAgain: number;
  sameContentAgain: number;
  /** Signals sent as a wait's time-out came due, racing the command that times it out. */
  timeoutRaces: number;
  /** Child runs the parents started. */
  childRuns: number;
  /** Crashes right after a child run's end committed, and right after it reached its parent. */
  childEndCrashes: number;
  deliveryCrashes: number;
}

/** A {@link SimulationResult} of `seed` with every count at zero. */
export function emptySimulationResult(seed: number): SimulationResult {
  return {
    seed,
    steps: 0,
    quiescentRounds: 0,
    commands: 0,
    commandErrors: 0,
    executions: 0,
    fakeTimeMs: 0,
    faults: {
      crashesBetween: 0,
      crashesInside: 0,
      crashesAfterCommit: 0,
      pauses: 0,
      duplicateDeliveries: 0,
      staleDeliveries: 0,
      clockJumps: 0,
      sinkFailures: 0,
      cancels: 0,
      databaseErrors: 0,
      databaseErrorRejections: 0,
      slowCommits: 0,
      clockSkews: 0,
      clockStepsBack: 0,
      overlappingTicks: 0,
    },
    waits: {
      signalsSent: 0,
      delivered: 0,
      buffered: 0,
      duplicates: 0,
      refusedEnded: 0,
      sameIdAgain: 0,
      sameContentAgain: 0,
      timeoutRaces: 0,
      childRuns: 0,
      childEndCrashes: 0,
      deliveryCrashes: 0,
    },
    runs: { total: 0, completed: 0, failed: 0, cancelled: 0, timedOut: 0 },
  };
}

/** The one-line reproducer of `options` when {@link SimulationOptions.reproduce} is not given. */
export function defaultReproducer(options: SimulationOptions): string {
  const parts = [`seed: ${options.seed}`];
  if (typeof options.runs === "number") parts.push(`runs: ${options.runs}`);
  if (options.workers !== undefined) parts.push(`workers: ${options.workers}`);
  if (options.steps !== undefined) parts.push(`steps: ${options.steps}`);
  if (options.storeCommitter !== undefined) parts.push(`storeCommitter: ${options.storeCommitter}`);
  if (options.partialRegistries !== undefined)
    parts.push(`partialRegistries: ${options.partialRegistries}`);
  if (options.faults === false) parts.push("faults: false");
  else if (options.faults) parts.push(`faults: ${JSON.stringify(options.faults)}`);
  return `simulate({ ${parts.join(", ")} })`;
}
