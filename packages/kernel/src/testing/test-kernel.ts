/**
 * `createTestKernel()`: a kernel on in-memory adapters with a fake clock and a collecting
 * event sink, ready for users' tests.
 */
import type { WorkflowRegistry } from "../dsl/registry.js";
import { createRegistry } from "../dsl/registry.js";
import type { AnyWorkflow } from "../dsl/workflow.js";
import { RatchetError } from "../errors.js";
import { createInMemoryStack } from "../in-memory/index.js";
import type { IdGenerator } from "../internal/ids.js";
import { createKernel, type Kernel } from "../kernel.js";
import type { KernelOptions } from "../options.js";
import type { BlobStore } from "../ports/blob-store.js";
import type { EventSink } from "../ports/event-sink.js";
import type { JobPublisher } from "../ports/job-publisher.js";
import type { JobTransport } from "../ports/job-transport.js";
import type { Persistence } from "../ports/persistence/index.js";
import type { RunQueries } from "../ports/run-queries.js";
import type { Scheduler } from "../ports/scheduler.js";
import type { StageRunner } from "../ports/stage-runner.js";
import { CollectingEventSink } from "./collecting-event-sink.js";
import { createDriver, type Driver } from "./driver.js";
import { FakeClock } from "./fake-clock.js";

/** Options of {@link createTestKernel}; every port can be replaced. */
export interface TestKernelOptions {
  workflows?: readonly AnyWorkflow[];
  registry?: WorkflowRegistry;
  clock?: FakeClock;
  persistence?: Persistence;
  jobTransport?: JobTransport;
  scheduler?: Scheduler;
  blobStore?: BlobStore;
  eventSink?: EventSink;
  /**
   * Read-side queries over the same store (default: the in-memory stack's). Pass them with your
   * own `persistence`; without them, `queries` of the result rejects rather than read another
   * store.
   */
  queries?: RunQueries;
  options?: Partial<KernelOptions>;
  newId?: IdGenerator;
  /** Uniform in [0, 1) for retry jitter (default `Math.random`). */
  random?: () => number;
  /** Worker id the driver claims and dequeues as (default `test-driver`). */
  workerId?: string;
  /** Services stages see as `ctx.plugins` (see `KernelConfig.plugins`); fakes, in tests. */
  plugins?: Record<string, unknown>;
  /** After-commit publisher of ready work (see `KernelConfig.jobPublisher`). */
  jobPublisher?: JobPublisher;
  /** Runs isolated stages' bodies (see `KernelConfig.stageRunner`, `inlineStageRunner`). */
  stageRunner?: StageRunner;
}

/** A kernel with its ports, for tests. */
export interface TestKernel {
  kernel: Kernel;
  persistence: Persistence;
  jobTransport: JobTransport;
  scheduler: Scheduler;
  blobStore: BlobStore;
  /** Read-side queries (runs newest first, a run with its stages, logs, events). */
  queries: RunQueries;
  /** The collecting sink (or the sink you passed). */
  eventSink: EventSink;
  /** Events published so far, when the default collecting sink is used. */
  events: CollectingEventSink;
  clock: FakeClock;
  /** Deterministic driver: runs workflows to completion by dispatching commands. */
  driver: Driver;
}

/** Creates a kernel on in-memory adapters with a `FakeClock` and a `CollectingEventSink`. */
export function createTestKernel(options: TestKernelOptions = {}): TestKernel {
  const stack = createInMemoryStack();
  const clock = options.clock ?? new FakeClock();
  const events = new CollectingEventSink();
  const persistence = options.persistence ?? stack.persistence;
  const jobTransport = options.jobTransport ?? stack.jobTransport;
  const scheduler = options.scheduler ?? stack.scheduler;
  const blobStore = options.blobStore ?? stack.blobStore;
  const eventSink = options.eventSink ?? events;
  const queries = options.queries ?? (options.persistence ? missingQueries() : stack.queries);
  const kernel = createKernel({
    persistence,
    jobTransport,
    scheduler,
    blobStore,
    eventSink,
    clock,
    registry: options.registry ?? createRegistry(options.workflows ?? []),
    ...(options.options ? { options: options.options } : {}),
    ...(options.newId ? { newId: options.newId } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.plugins ? { plugins: options.plugins } : {}),
    ...(options.jobPublisher ? { jobPublisher: options.jobPublisher } : {}),
    ...(options.stageRunner ? { stageRunner: options.stageRunner } : {}),
  });
  const driver = createDriver({
    kernel,
    jobTransport,
    persistence,
    clock,
    ...(options.workerId ? { workerId: options.workerId } : {}),
  });
  return {
    kernel,
    persistence,
    jobTransport,
    scheduler,
    blobStore,
    queries,
    eventSink,
    events,
    clock,
    driver,
  };
}

/** Queries that refuse to answer: `createTestKernel` got a persistence but no queries over it. */
function missingQueries(): RunQueries {
  const refuse = (): Promise<never> =>
    Promise.reject(
      new RatchetError(
        "INVALID_OPTIONS",
        "[ratchet] [testing] createTestKernel got a persistence but no queries: pass `queries` over the same store",
        { field: "queries" },
      ),
    );
  return {
    listRuns: refuse,
    getRun: refuse,
    listLogs: refuse,
    listEvents: refuse,
    listJobs: refuse,
  };
}
