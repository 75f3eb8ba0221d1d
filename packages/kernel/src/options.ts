/** The kernel's tunables (`KernelConfig.options`), their defaults and their validation. */
import { RatchetError } from "./errors.js";
import { type RetentionPolicy, retentionProblem } from "./retention.js";

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
  /**
   * How long a suspended stage may wait when its `pollConfig` sets no `maxWaitMs`: past it the
   * stage fails with `SUSPEND_TIMEOUT`, so a check that never says "ready" cannot hold a run
   * forever. Default 7 days; `Infinity` waits without limit.
   */
  suspendMaxWaitMs: number;
  /**
   * Checks in a row (`checkCompletion`) that may throw before a suspended stage fails with
   * `POLL_CHECK_FAILED`, the last error in its message, when its `pollConfig` sets no
   * `maxPollErrors`. A check that answers (ready or not) starts the count again. Default 10.
   */
  maxPollErrors: number;
  /**
   * How long finished runs are kept, per final status, for the workflows this kernel registers
   * that set no retention of their own (a workflow's `retention` overrides it status by
   * status). Default `{}`: **runs are kept forever** — deleting history is never switched on by
   * an upgrade; set e.g. `{ completed: "30d", failed: "90d", cancelled: "30d" }`. The `purge`
   * duty deletes what is past it (see docs/retention.md).
   */
  retention: RetentionPolicy;
  /**
   * How long an idempotency key is kept (ms; `Infinity`: as long as its run). Keys of
   * `run.create` are deleted with their run whatever this says; past this age the `purge` duty
   * deletes any key, and a repeat of its command then runs again. Default `Infinity`.
   */
  idempotencyKeyTtlMs: number;
  /**
   * Server-wide concurrency: the most `RUNNING` runs of one workflow, for the workflows this
   * kernel registers that set no `concurrency` of their own (counted per workflow, across all
   * workers). Applies to runs created while it is set. Default `Infinity` (no limit).
   */
  defaultConcurrency: number;
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
  suspendMaxWaitMs: 7 * 24 * 60 * 60 * 1000,
  maxPollErrors: 10,
  retention: {},
  idempotencyKeyTtlMs: Number.POSITIVE_INFINITY,
  defaultConcurrency: Number.POSITIVE_INFINITY,
};

/**
 * The options in force: `overrides` over {@link DEFAULT_KERNEL_OPTIONS}, checked. Throws
 * `INVALID_OPTIONS` naming the field for a value the kernel cannot work with.
 */
export function resolveKernelOptions(overrides: Partial<KernelOptions> | undefined): KernelOptions {
  const options: KernelOptions = { ...DEFAULT_KERNEL_OPTIONS, ...overrides };
  if (!(typeof options.maxPayloadBytes === "number" && options.maxPayloadBytes > 0)) {
    throw new RatchetError(
      "INVALID_OPTIONS",
      `[ratchet] options.maxPayloadBytes must be a number of bytes above 0 (or Infinity), got ${String(options.maxPayloadBytes)}`,
      { field: "options.maxPayloadBytes" },
    );
  }
  if (!(typeof options.suspendMaxWaitMs === "number" && options.suspendMaxWaitMs > 0)) {
    throw new RatchetError(
      "INVALID_OPTIONS",
      `[ratchet] options.suspendMaxWaitMs must be a number of ms above 0 (or Infinity), got ${String(options.suspendMaxWaitMs)}`,
      { field: "options.suspendMaxWaitMs" },
    );
  }
  if (!(Number.isInteger(options.maxPollErrors) && options.maxPollErrors > 0)) {
    throw new RatchetError(
      "INVALID_OPTIONS",
      `[ratchet] options.maxPollErrors must be a whole number above 0, got ${String(options.maxPollErrors)}`,
      { field: "options.maxPollErrors" },
    );
  }
  const retention = retentionProblem(options.retention);
  if (retention) {
    const field = `options.retention${retention.field ? `.${retention.field}` : ""}`;
    throw new RatchetError("INVALID_OPTIONS", `[ratchet] ${field} ${retention.message}`, {
      field,
    });
  }
  if (!(typeof options.idempotencyKeyTtlMs === "number" && options.idempotencyKeyTtlMs > 0)) {
    throw new RatchetError(
      "INVALID_OPTIONS",
      `[ratchet] options.idempotencyKeyTtlMs must be a number of ms above 0 (or Infinity), got ${String(options.idempotencyKeyTtlMs)}`,
      { field: "options.idempotencyKeyTtlMs" },
    );
  }
  const dc = options.defaultConcurrency;
  if (!(dc === Number.POSITIVE_INFINITY || (Number.isSafeInteger(dc) && dc > 0))) {
    throw new RatchetError(
      "INVALID_OPTIONS",
      `[ratchet] options.defaultConcurrency must be a whole number above 0 (or Infinity), got ${String(dc)}`,
      { field: "options.defaultConcurrency" },
    );
  }
  return options;
}
