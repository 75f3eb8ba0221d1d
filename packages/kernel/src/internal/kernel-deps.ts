/**
 * What every command handler receives: the ports, the registry, the options, and the kernel
 * instance's own state (output cache, running stages).
 */
import type { WorkflowRegistry } from "../dsl/registry.js";
import type { BlobStore } from "../ports/blob-store.js";
import type { Clock } from "../ports/clock.js";
import type { EventSink } from "../ports/event-sink.js";
import type { JobTransport } from "../ports/job-transport.js";
import type { Persistence } from "../ports/persistence/index.js";
import type { Scheduler } from "../ports/scheduler.js";
import type { StageCommitter } from "../ports/stage-committer.js";
import type { IdGenerator } from "./ids.js";
import type { InFlightRegistry } from "./stage/in-flight.js";
import type { OutputCache } from "./stage/output-cache.js";

/** Tunables of the kernel; see `DEFAULT_KERNEL_OPTIONS` for defaults. */
export interface KernelOptions {
  /** Outputs whose encoded JSON is larger than this go to the blob store. */
  inlineOutputLimitBytes: number;
  /**
   * Largest run input, config or metadata (and metadata value a stage sets) accepted, in UTF-8
   * bytes of the encoded JSON; larger ones fail with `PAYLOAD_TOO_LARGE`. These are stored
   * inline in the run row and read by every stage, so pass big data through the blob store
   * (`ctx.storage`) and a key instead. `Infinity` turns the check off.
   */
  maxPayloadBytes: number;
  /** Byte budget of the per-kernel cache of decoded stage outputs. */
  outputCacheBytes: number;
  /** Attempts of a stage that sets no retry policy. */
  defaultMaxAttempts: number;
  /** Job lease handed out by hosts; also the grace used by `lease.reapStale`. */
  jobLeaseMs: number;
  /** Lease on a suspended stage while one host checks it. */
  pollLeaseMs: number;
  /** Lease on outbox events while one host publishes them. */
  outboxLeaseMs: number;
  /** Publish attempts of an outbox event before it goes to the dead-letter queue. */
  outboxMaxRetries: number;
  /** First delay after a failed publish; doubles per retry, capped at 5 minutes. */
  outboxRetryBaseMs: number;
  /** `run.reapStuck` looks at runs not updated for this long. */
  stuckRunThresholdMs: number;
  /** At most one progress write per stage per this interval. */
  progressThrottleMs: number;
}

/** Default kernel options. */
export const DEFAULT_KERNEL_OPTIONS: KernelOptions = {
  inlineOutputLimitBytes: 16 * 1024,
  maxPayloadBytes: 2 * 1024 * 1024,
  outputCacheBytes: 32 * 1024 * 1024,
  defaultMaxAttempts: 3,
  jobLeaseMs: 30_000,
  pollLeaseMs: 30_000,
  outboxLeaseMs: 30_000,
  outboxMaxRetries: 10,
  outboxRetryBaseMs: 1_000,
  stuckRunThresholdMs: 60_000,
  progressThrottleMs: 1_000,
};

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
  /** The services stages see as `ctx.plugins` (`KernelConfig.plugins`; default: none). */
  plugins?: Readonly<Record<string, unknown>>;
}
