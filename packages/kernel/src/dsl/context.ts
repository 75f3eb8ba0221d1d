/**
 * What a stage's `execute` receives.
 */
import type { z } from "zod";
import type { LogLevel } from "../records.js";

/**
 * Custom events a stage may emit with `ctx.emit`, by name, each with the zod schema of its
 * payload (declared on a stage, a task or a workflow: `events: { "invoice.ready": schema }`).
 */
export type EventSchemas = Readonly<Record<string, z.ZodType>>;

/** A progress report from a running stage. */
export interface ProgressUpdate {
  /** 0–100. */
  progress: number;
  message?: string;
  details?: Record<string, unknown>;
}

/** Writes log lines that are stored with the stage's result. */
export interface StageLogger {
  (level: LogLevel, message: string, data?: Record<string, unknown>): void;
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/**
 * The blob store, scoped to one run: keys are relative to the run and cannot escape it.
 * JSON helpers encode values like stage outputs (dates survive).
 */
export interface RunStorage {
  put(key: string, data: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array | null>;
  putJson(key: string, value: unknown): Promise<void>;
  getJson<T = unknown>(key: string): Promise<T | null>;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Keys under `prefix` (relative to the run). */
  list(prefix?: string): Promise<string[]>;
}

/** The context a stage runs with. */
export interface StageContext<TInput = unknown, TConfig = unknown> {
  /** The stage's input: the workflow input for the first group, else the previous group's output. */
  input: TInput;
  /** This stage's config, validated and with defaults applied. */
  config: TConfig;
  /** Outputs of every stage completed earlier in this run, by stage id. */
  workflowContext: Readonly<Record<string, unknown>>;
  /** The run's input, as given to `run.create` (after the workflow's input schema). */
  workflowInput: unknown;
  /** Output of an earlier stage; throws a `STAGE_OUTPUT_MISSING` error when there is none. */
  require<T = unknown>(stageId: string): T;
  /** Output of an earlier stage, or `undefined`. */
  optional<T = unknown>(stageId: string): T | undefined;
  /** Reports progress (published live; the last report is stored with the result). */
  onProgress(update: ProgressUpdate): void;
  log: StageLogger;
  /** The blob store, scoped to this run. */
  storage: RunStorage;
  /** Fired when the run is cancelled, the stage times out, or the worker shuts down. */
  signal: AbortSignal;
  /**
   * The run's metadata as it was when this attempt started: what `run.create` was given plus
   * what earlier stages set. A read-only snapshot; see {@link StageContext.getMetadata}.
   */
  metadata: Readonly<Record<string, unknown>>;
  /**
   * Sets a metadata key for this and later stages. The value must be JSON-encodable (dates
   * survive); it is written with this stage's result, atomically, so a failed attempt leaves
   * no trace and a retried one starts from the last committed metadata. Keys set by parallel
   * stages are merged, a key set by two of them keeps the value of the one that commits last.
   * Resolves at once (the write happens with the commit); it is async for API compatibility.
   */
  setMetadata(key: string, value: unknown): Promise<void>;
  /** A metadata key: as this attempt set it, else as the run had it when the attempt started. */
  getMetadata<T = unknown>(key: string): T | undefined;
  /**
   * The services the kernel was configured with (`KernelConfig.plugins`), by name — e.g.
   * `ctx.plugins.orders.validate(id)`. Typed loosely: each host decides what it provides.
   * Empty when none were given.
   */
  // biome-ignore lint/suspicious/noExplicitAny: plugin services are whatever the host provides
  plugins: Readonly<Record<string, any>>;
  /**
   * Emits a custom event the stage or its workflow declared (`events`). The payload is checked
   * now — an undeclared name throws `UNKNOWN_EVENT`, a payload its schema refuses
   * `INVALID_EVENT_PAYLOAD`, one over `maxPayloadBytes` `PAYLOAD_TOO_LARGE` (none retried) —
   * and kept with the attempt: it is written to the outbox as a `workflow.custom` event
   * (`name`, `payload`, `stageId`, `attempt`) in the commit of the attempt's result, if the
   * attempt completes (or suspends). A failed attempt's events are dropped, like its metadata.
   */
  emit(name: string, payload?: unknown): void;
  workflowId: string;
  workflowRunId: string;
  stageId: string;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
}

/** The context `checkCompletion` of an async-batch stage runs with. */
export type CompletionContext<TConfig = unknown> = Omit<
  StageContext<unknown, TConfig>,
  "input" | "onProgress" | "emit"
> & {
  /** How many times completion has been checked before this one. */
  checks: number;
};

/** What the conditions and transforms of control-flow steps see. */
export interface StepView<TPrev = unknown> {
  /** The run's input. */
  input: unknown;
  /** The step's own input: the output of the step the run came from. */
  prev: TPrev;
  /** Outputs of the steps completed before this one, by step id (the latest, in a loop). */
  steps: Readonly<Record<string, unknown>>;
  /** The run's metadata. */
  metadata: Readonly<Record<string, unknown>>;
  getMetadata<T = unknown>(key: string): T | undefined;
  /** A step's output, or `undefined`. */
  getStepResult<T = unknown>(stepId: string): T | undefined;
}
