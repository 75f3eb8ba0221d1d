/**
 * Options of the Node host, their defaults, and their validation.
 */
import {
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_CLAIMS_PER_TICK,
  findDutyOptionProblem,
  HEARTBEATS_PER_LEASE,
  type HostDutyOptions,
  type MaintenanceOptions,
  maintenanceOptions,
} from "@ratchet/host-common";
import {
  type Clock,
  type JobTransport,
  type Kernel,
  RatchetError,
  systemClock,
} from "@ratchet/kernel";

/** Repeats of a warning are logged at most once a minute (see `repeatedWarningIntervalMs`). */
export const DEFAULT_REPEATED_WARNING_INTERVAL_MS = 60_000;

/**
 * What woke the host: new runs to claim, new jobs to dequeue, or maintenance work that may be
 * due before the next (backed-off) tick, such as a schedule created in another process.
 */
export type WakeupKind = "run" | "job" | "due";

/** A source of "there may be work now" signals (e.g. `stack.wakeups` of `@ratchet/prisma`). */
export interface WakeupSource {
  subscribe(listener: (kind: WakeupKind) => void): () => void;
}

/** Where the host reports what goes wrong (default: `console`). */
export interface HostLogger {
  warn(message: string, details?: unknown): void;
  error(message: string, details?: unknown): void;
}

/**
 * Options of `createNodeHost`. The limits of the maintenance tick (`maxClaimsPerTick`,
 * `staleLeaseThresholdMs`, `maxOutboxFlushPerTick`, …) are the kernel's duty options
 * (`DutyOptions` of `@ratchet/kernel`), with the kernel's defaults, so the Node and serverless
 * hosts run the same duties with the same limits.
 */
export interface NodeHostOptions extends HostDutyOptions {
  kernel: Kernel;
  jobTransport: JobTransport;
  /** Unique per host process (default: `node-<pid>-<random>`). */
  workerId?: string;
  /** Jobs run at once (default 10). */
  concurrency?: number;
  /**
   * Between maintenance ticks: claim runs, poll suspended stages, reap, fire schedules, publish
   * events (default 10 000 ms). New runs are also claimed at once on a "run" wake-up, and events
   * are published soon after each job finishes, so this mostly bounds recovery work and idle cost.
   */
  orchestrationIntervalMs?: number;
  /** Ticks that find nothing double the wait up to this (default 6 × `orchestrationIntervalMs`). */
  maxIdleOrchestrationIntervalMs?: number;
  /** Between job polls while work keeps coming (default 1 000 ms). */
  jobPollIntervalMs?: number;
  /** Job polling backs off to this while idle (default 10 000 ms with wake-ups, else 2 000 ms). */
  maxIdlePollIntervalMs?: number;
  /** Lease on each job (default 30 000 ms); heartbeats renew it every third of it. */
  leaseMs?: number;
  /** How long `stop()` waits for running stages before releasing them (default 30 000 ms). */
  shutdownTimeoutMs?: number;
  /**
   * When a stage starts the next one, run it here right away instead of through the queue
   * (default true): the next job is committed already leased to this host, so continuing a run
   * costs no dequeue and no read. Likewise a claim made while this host has free slots leases
   * the claimed runs' first jobs to it (as many as it has room for).
   */
  continueRunsLocally?: boolean;
  /** Wake-ups that replace fast polling. */
  wakeups?: WakeupSource;
  /** Stop gracefully on SIGTERM and SIGINT (default false). `onSignalStop` runs afterwards. */
  handleSignals?: boolean;
  /** Called after a signal-triggered stop completed (e.g. close the database and exit). */
  onSignalStop?: (signal: NodeJS.Signals) => void | Promise<void>;
  logger?: HostLogger;
  /**
   * A warning that repeats — the same duty, dequeue or heartbeat failing again while its
   * database is down or full — is logged at most once per this many ms, with the number of
   * repeats; the first failure and the recovery are logged at once (default 60 000; 0 logs
   * every warning).
   */
  repeatedWarningIntervalMs?: number;
  /**
   * Where the host reads the time (default: the kernel's clock, `kernel.clock`, else
   * `systemClock`): every time it hands the kernel or the job transport (a dequeue's or a
   * release's `now`), how long until due work (a sleep's wake-up, a retry's back-off), and
   * `uptimeMs`. Host and kernel must agree on what is due, so leave it to the kernel's unless
   * you have a reason. Timers still wait in real time.
   */
  clock?: Clock;
}

/** Options with defaults applied. */
export interface ResolvedNodeHostOptions {
  kernel: Kernel;
  jobTransport: JobTransport;
  workerId: string;
  concurrency: number;
  orchestrationIntervalMs: number;
  maxIdleOrchestrationIntervalMs: number;
  jobPollIntervalMs: number;
  maxIdlePollIntervalMs: number;
  leaseMs: number;
  heartbeatIntervalMs: number;
  shutdownTimeoutMs: number;
  continueRunsLocally: boolean;
  handleSignals: boolean;
  wakeups: WakeupSource | undefined;
  onSignalStop: NodeHostOptions["onSignalStop"] | undefined;
  logger: HostLogger;
  /** See {@link NodeHostOptions.repeatedWarningIntervalMs}. */
  repeatedWarningIntervalMs: number;
  clock: Clock;
  /** The maintenance tick's options: the limits given; the kernel's defaults fill in the rest. */
  maintenance: MaintenanceOptions;
  /** Runs a claim on a wake-up takes: `maxClaimsPerTick`, or the kernel's default. */
  maxClaimsPerTick: number;
}

function positive(
  options: NodeHostOptions,
  field: keyof NodeHostOptions,
  fallback: number,
): number {
  const value = options[field];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RatchetError(
      "INVALID_HOST_OPTIONS",
      `[ratchet] [host-node] ${String(field)} must be a positive number, got ${String(value)}`,
      {
        field: String(field),
      },
    );
  }
  return value;
}

/** Applies defaults and rejects nonsense with `INVALID_HOST_OPTIONS` naming the field. */
export function resolveOptions(options: NodeHostOptions): ResolvedNodeHostOptions {
  if (!options.kernel || typeof options.kernel.dispatch !== "function") {
    throw new RatchetError("INVALID_HOST_OPTIONS", "[ratchet] [host-node] kernel is required", {
      field: "kernel",
    });
  }
  if (!options.jobTransport || typeof options.jobTransport.dequeue !== "function") {
    throw new RatchetError(
      "INVALID_HOST_OPTIONS",
      "[ratchet] [host-node] jobTransport is required",
      { field: "jobTransport" },
    );
  }
  const leaseMs = positive(options, "leaseMs", DEFAULT_LEASE_MS);
  const concurrency = positive(options, "concurrency", 10);
  if (!Number.isInteger(concurrency)) {
    throw new RatchetError(
      "INVALID_HOST_OPTIONS",
      "[ratchet] [host-node] concurrency must be an integer",
      { field: "concurrency" },
    );
  }
  if (options.clock !== undefined && typeof options.clock?.now !== "function") {
    throw new RatchetError(
      "INVALID_HOST_OPTIONS",
      "[ratchet] [host-node] clock must have a now() method",
      { field: "clock" },
    );
  }
  const { repeatedWarningIntervalMs = DEFAULT_REPEATED_WARNING_INTERVAL_MS } = options;
  if (!Number.isInteger(repeatedWarningIntervalMs) || repeatedWarningIntervalMs < 0) {
    throw new RatchetError(
      "INVALID_HOST_OPTIONS",
      `[ratchet] [host-node] repeatedWarningIntervalMs must be a whole number of ms ≥ 0, got ${String(repeatedWarningIntervalMs)}`,
      { field: "repeatedWarningIntervalMs" },
    );
  }
  const problem = findDutyOptionProblem(options);
  if (problem) {
    throw new RatchetError(
      "INVALID_HOST_OPTIONS",
      `[ratchet] [host-node] ${problem.field} ${problem.message}`,
      { field: problem.field },
    );
  }
  const workerId =
    options.workerId ?? `node-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    kernel: options.kernel,
    jobTransport: options.jobTransport,
    workerId,
    concurrency,
    orchestrationIntervalMs: positive(options, "orchestrationIntervalMs", 10_000),
    maxIdleOrchestrationIntervalMs: Math.max(
      positive(options, "orchestrationIntervalMs", 10_000),
      positive(
        options,
        "maxIdleOrchestrationIntervalMs",
        6 * positive(options, "orchestrationIntervalMs", 10_000),
      ),
    ),
    jobPollIntervalMs: positive(options, "jobPollIntervalMs", 1_000),
    maxIdlePollIntervalMs: positive(
      options,
      "maxIdlePollIntervalMs",
      options.wakeups ? 10_000 : 2_000,
    ),
    leaseMs,
    heartbeatIntervalMs: Math.max(100, Math.floor(leaseMs / HEARTBEATS_PER_LEASE)),
    maintenance: maintenanceOptions(workerId, options),
    maxClaimsPerTick: options.maxClaimsPerTick ?? DEFAULT_MAX_CLAIMS_PER_TICK,
    shutdownTimeoutMs: positive(options, "shutdownTimeoutMs", 30_000),
    handleSignals: options.handleSignals ?? false,
    continueRunsLocally: options.continueRunsLocally ?? true,
    wakeups: options.wakeups,
    onSignalStop: options.onSignalStop,
    clock: options.clock ?? options.kernel.clock ?? systemClock,
    repeatedWarningIntervalMs,
    logger: options.logger ?? {
      warn: (m, d) => console.warn(m, d ?? ""),
      error: (m, d) => console.error(m, d ?? ""),
    },
  };
}
