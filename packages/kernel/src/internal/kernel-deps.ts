/**
 * What every command handler receives: the ports, the registry, the options, and the kernel
 * instance's own state (output cache, running stages).
 */
import type { WorkflowRegistry } from "../dsl/registry.js";
import type { KernelOptions } from "../options.js";
import type { BlobStore } from "../ports/blob-store.js";
import type { Clock } from "../ports/clock.js";
import type { EventSink } from "../ports/event-sink.js";
import type { JobPublisher } from "../ports/job-publisher.js";
import type { JobTransport } from "../ports/job-transport.js";
import type { Persistence } from "../ports/persistence/index.js";
import type { RunStarter } from "../ports/run-starter.js";
import type { Scheduler } from "../ports/scheduler.js";
import type { StageCommitter } from "../ports/stage-committer.js";
import type { StageRunner } from "../ports/stage-runner.js";
import type { KernelTelemetry } from "../telemetry/telemetry.js";
import type { IdGenerator } from "./ids.js";
import type { InFlightRegistry } from "./stage/in-flight.js";
import type { OutputCache } from "./stage/output-cache.js";

/** The dependencies of a command handler. */
export interface KernelDeps {
  persistence: Persistence;
  blobStore: BlobStore;
  jobTransport: JobTransport;
  eventSink: EventSink;
  scheduler: Scheduler;
  clock: Clock;
  registry: WorkflowRegistry;
  options: KernelOptions;
  newId: IdGenerator;
  outputCache: OutputCache;
  inFlight: InFlightRegistry;
  /** Uniform in [0, 1): the jitter of retry delays (tests inject a seeded one). */
  random: () => number;
  /** Writes stage completions: the persistence's own committer, or the transactional one. */
  committer: StageCommitter;
  /** Claims and starts runs in one step: the persistence's own, when it offers one. */
  runStarter?: RunStarter;
  /** The services stages see as `ctx.plugins` (`KernelConfig.plugins`; default: none). */
  plugins?: Readonly<Record<string, unknown>>;
  /**
   * When this kernel's next retention sweep is due (epoch ms): `runs.purge` with `everyMs` does
   * nothing before it. Absent (hand-made deps): every sweep runs.
   */
  retentionSweep?: { nextAt: number };
  /** Spans and metrics through `@opentelemetry/api` (absent: `KernelConfig.telemetry: false`). */
  telemetry?: KernelTelemetry;
  /** Told after each commit of the work it made ready (`KernelConfig.jobPublisher`). */
  jobPublisher?: JobPublisher;
  /** Runs the bodies of isolated stages (`KernelConfig.stageRunner`); absent: they fail. */
  stageRunner?: StageRunner;
}
