/**
 * The CLI's engine: a kernel over an opened database stack, with the CLI's event sink, and a
 * Node host to execute runs. The host timings come in profiles: snappy for the demo and for
 * `run --wait`, calmer for a long-running worker.
 */
import {
  createIsolatedStageRunner,
  createNodeHost,
  type HostLogger,
  type NodeHost,
} from "@ratchet/host-node";
import {
  type AnyWorkflow,
  createKernel,
  createRegistry,
  type EventSink,
  type Kernel,
} from "@ratchet/kernel";
import type { DatabaseProvider, PrismaStack } from "@ratchet/prisma";

/** Host timings. */
export interface HostProfile {
  concurrency: number;
  orchestrationIntervalMs: number;
  /** Maintenance ticks that find nothing back off to this. */
  maxIdleOrchestrationIntervalMs: number;
  jobPollIntervalMs: number;
  maxIdlePollIntervalMs: number;
  shutdownTimeoutMs: number;
}

/** Timings for runs someone is watching (the demo, `run --wait`): claims and checks every 100 ms. */
export const INTERACTIVE_PROFILE: HostProfile = {
  concurrency: 8,
  orchestrationIntervalMs: 100,
  maxIdleOrchestrationIntervalMs: 600,
  jobPollIntervalMs: 50,
  maxIdlePollIntervalMs: 200,
  shutdownTimeoutMs: 5_000,
};

/**
 * Timings of `ratchet worker`. On SQLite a watch on the database file wakes the worker when
 * another process writes, and it still polls every 500 ms in case the watch misses a change;
 * on PostgreSQL LISTEN/NOTIFY wakes it (new runs, new jobs, a schedule created or resumed), so
 * while idle its job polls and maintenance ticks back off to 30 s — under one statement a
 * second on an idle database — and a sleep, retry or schedule slot due sooner is still handled
 * on time (the host's due timer).
 */
export function workerProfile(provider: DatabaseProvider, concurrency: number): HostProfile {
  return provider === "sqlite"
    ? {
        concurrency,
        orchestrationIntervalMs: 500,
        maxIdleOrchestrationIntervalMs: 3_000,
        jobPollIntervalMs: 100,
        maxIdlePollIntervalMs: 500,
        shutdownTimeoutMs: 30_000,
      }
    : {
        concurrency,
        orchestrationIntervalMs: 1_000,
        maxIdleOrchestrationIntervalMs: 30_000,
        jobPollIntervalMs: 100,
        maxIdlePollIntervalMs: 30_000,
        shutdownTimeoutMs: 30_000,
      };
}

/** A kernel, and the host that runs it. */
export interface Engine {
  kernel: Kernel;
  host: NodeHost;
  workflows: readonly AnyWorkflow[];
}

/** Options of {@link createEngine}. */
export interface EngineOptions {
  stack: PrismaStack;
  workflows: readonly AnyWorkflow[];
  eventSink: EventSink;
  profile: HostProfile;
  logger: HostLogger;
  workerId?: string;
  /**
   * The file URL of the `--workflows` module: the module the children of isolated stages
   * import when a stage names none (`isolation.module`).
   */
  workflowModule?: string;
}

/** Creates the kernel and a (not yet started) host. */
export function createEngine(options: EngineOptions): Engine {
  const { stack, profile } = options;
  const kernel = createKernel({
    persistence: stack.persistence,
    jobTransport: stack.jobTransport,
    scheduler: stack.scheduler,
    blobStore: stack.blobStore,
    eventSink: options.eventSink,
    clock: stack.clock,
    registry: createRegistry(options.workflows),
    options: { progressThrottleMs: 250 },
    // Isolated stages run in child processes or threads that import the workflow module.
    stageRunner: createIsolatedStageRunner(
      options.workflowModule === undefined ? {} : { module: options.workflowModule },
    ),
  });
  const host = createNodeHost({
    kernel,
    jobTransport: stack.jobTransport,
    wakeups: stack.wakeups,
    ...(options.workerId === undefined ? {} : { workerId: options.workerId }),
    concurrency: profile.concurrency,
    orchestrationIntervalMs: profile.orchestrationIntervalMs,
    maxIdleOrchestrationIntervalMs: profile.maxIdleOrchestrationIntervalMs,
    jobPollIntervalMs: profile.jobPollIntervalMs,
    maxIdlePollIntervalMs: profile.maxIdlePollIntervalMs,
    shutdownTimeoutMs: profile.shutdownTimeoutMs,
    logger: options.logger,
    // Commands handle SIGINT/SIGTERM themselves (runtime/interrupt.ts), to report and clean up.
    handleSignals: false,
  });
  return { kernel, host, workflows: options.workflows };
}

/** Publishes what is left in the outbox (so the last events reach the sink before exit). */
export async function flushOutbox(kernel: Kernel, workerId: string): Promise<number> {
  let published = 0;
  for (let round = 0; round < 20; round++) {
    const result = await kernel.dispatch({ type: "outbox.flush", workerId, maxEvents: 500 });
    published += result.published;
    if (result.published === 0) break;
  }
  return published;
}
