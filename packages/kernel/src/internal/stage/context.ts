/**
 * Builds the `ctx` a stage runs with, and collects what it reports (logs, progress) so they
 * are written with the stage's result instead of one write each.
 */
import { decodeValue, encodeValue } from "../../codec.js";
import type {
  CompletionContext,
  ProgressUpdate,
  RunStorage,
  StageContext,
  StageLogger,
} from "../../dsl/context.js";
import { RatchetError } from "../../errors.js";
import type { BlobStore } from "../../ports/blob-store.js";
import type { JsonObject, JsonValue, LogLevel, LogRecord } from "../../records.js";
import { withoutTraceContext } from "../../telemetry/trace-context.js";
import type { KernelDeps } from "../kernel-deps.js";
import { isMetadataKey, MAX_METADATA_KEY } from "../values/metadata-keys.js";
import { checkPayloadSize } from "../values/payload-size.js";
import type { StageAbort } from "./abort.js";
import { checkEmit, type EmitSource, type EmittedEvent } from "./emit.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NO_PLUGINS: Readonly<Record<string, unknown>> = Object.freeze({});

/** What a running stage reported, to be stored with its result. */
export interface StageReports {
  logs: LogRecord[];
  /** The last progress report, if any. */
  progress: ProgressUpdate | undefined;
  /** Metadata keys the stage set (encoded), if any. */
  metadata: JsonObject | undefined;
  /** The custom events the stage emitted (`ctx.emit`), if any; see `emit.ts`. */
  events?: EmittedEvent[];
}

/** Identity of a stage execution. */
export interface StageIdentity {
  workflowId: string;
  workflowRunId: string;
  stageId: string;
  attempt: number;
  maxAttempts: number;
}

/** Everything a stage context is built from. */
export interface StageContextSource extends StageIdentity {
  input: unknown;
  /** The run's stored (encoded) input, decoded when `ctx.workflowInput` is first read. */
  runInput: JsonValue;
  config: unknown;
  outputs: ReadonlyMap<string, unknown>;
  metadata: Record<string, unknown>;
  /** The stage's abort; `ctx.signal` is created from it when the stage first reads it. */
  abort: StageAbort;
  /** Called on each progress report, after it is recorded. */
  onProgress?: (update: ProgressUpdate) => void;
  /** The custom events the stage may emit (`ctx.emit`): its own and its workflow's. */
  emits?: Pick<EmitSource, "events" | "workflowEvents"> | undefined;
}

/** What the lazily built parts of one `ctx` are made from, and those parts once built. */
interface LazyParts {
  readonly deps: KernelDeps;
  readonly source: StageContextSource;
  readonly reports: StageReports;
  log: StageLogger | undefined;
  storage: RunStorage | undefined;
  workflowContext: Readonly<Record<string, unknown>> | undefined;
  workflowInput: { value: unknown } | undefined;
}

/** The key under which a `ctx` holds its {@link LazyParts} (not enumerable). */
const LAZY: unique symbol = Symbol("ratchet.stage-context");

type WithLazy = StageContext & { [LAZY]: LazyParts };

/** An own, enumerable, read-only accessor, like a getter written in an object literal. */
function lazyGetter<T>(get: (this: WithLazy) => T): PropertyDescriptor {
  return { get, enumerable: true, configurable: true };
}

/** The accessors before `require`, in the order `ctx` has always listed its properties. */
const EARLY_ACCESSORS: PropertyDescriptorMap = {
  workflowContext: lazyGetter(function () {
    const lazy = this[LAZY];
    if (lazy.workflowContext === undefined)
      lazy.workflowContext = Object.freeze(Object.fromEntries(lazy.source.outputs));
    return lazy.workflowContext;
  }),
  workflowInput: lazyGetter(function () {
    const lazy = this[LAZY];
    if (lazy.workflowInput === undefined)
      lazy.workflowInput = { value: decodeValue(lazy.source.runInput) };
    return lazy.workflowInput.value;
  }),
};

/** The accessors after `onProgress`. */
const LATE_ACCESSORS: PropertyDescriptorMap = {
  log: lazyGetter(function () {
    const lazy = this[LAZY];
    if (lazy.log === undefined) lazy.log = createLogger(lazy.deps, lazy.source, lazy.reports.logs);
    return lazy.log;
  }),
  storage: lazyGetter(function () {
    const lazy = this[LAZY];
    if (lazy.storage === undefined)
      lazy.storage = createRunStorage(lazy.deps.blobStore, lazy.source.workflowRunId);
    return lazy.storage;
  }),
  signal: lazyGetter(function () {
    return this[LAZY].source.abort.signal;
  }),
};

/**
 * The accessors as `[key, descriptor]` pairs, defined one `defineProperty` at a time: about a
 * third of the cost of `defineProperties`, which reads and converts the descriptor map anew on
 * every call.
 */
const EARLY_LIST = Object.entries(EARLY_ACCESSORS);
const LATE_LIST = Object.entries(LATE_ACCESSORS);

/** Defines the accessors in `list` on `ctx`, in order. */
function defineAccessors(ctx: WithLazy, list: readonly [string, PropertyDescriptor][]): void {
  for (const [key, descriptor] of list) Object.defineProperty(ctx, key, descriptor);
}

/**
 * Builds a stage's `ctx` and the reports it collects. The parts a stage may not use —
 * `log`, `storage`, `workflowContext`, `workflowInput` and `signal` — are built when first
 * read: a trivial stage then costs a handful of allocations instead of two dozen closures.
 *
 * Those parts are own, enumerable getters (as in an object literal, so spreading `ctx` still
 * reads them), but shared ones defined with descriptors made once: getters written in the
 * literal are new closures per `ctx`, and V8 turned each such `ctx` into a dictionary-mode
 * object (a few microseconds and kilobytes per stage, and slower property reads).
 */
export function createStageContext(
  deps: KernelDeps,
  source: StageContextSource,
): { ctx: StageContext; reports: StageReports } {
  const reports: StageReports = { logs: [], progress: undefined, metadata: undefined };
  const ctx = new StageContextObject(deps, source, reports);
  return { ctx, reports };
}

/**
 * Makes a `ctx` (see {@link createStageContext}) with `new`: a constructor rather than a
 * literal that grows one property at a time, so V8 gives every `ctx` room for all its fields
 * up front (a literal of two fields grown to sixteen re-allocated its out-of-object property
 * store six times, about 330 bytes per stage). Its `prototype` is `Object.prototype`, so a
 * `ctx` is still a plain object (`Object.getPrototypeOf(ctx) === Object.prototype`), with the
 * same own properties in the same order as before.
 */
const StageContextObject = function StageContextObject(
  this: WithLazy,
  deps: KernelDeps,
  source: StageContextSource,
  reports: StageReports,
): void {
  let setValues: Map<string, unknown> | undefined;
  const lazy: LazyParts = {
    deps,
    source,
    reports,
    log: undefined,
    storage: undefined,
    workflowContext: undefined,
    workflowInput: undefined,
  };
  // Built in the order of `StageContext`'s properties, which `Object.keys(ctx)` lists.
  this.input = source.input;
  this.config = source.config;
  Object.defineProperty(this, LAZY, { value: lazy });
  defineAccessors(this, EARLY_LIST);
  this.require = <T>(stageId: string): T => {
    if (!source.outputs.has(stageId)) {
      throw new RatchetError(
        "STAGE_OUTPUT_MISSING",
        `[ratchet] stage "${source.stageId}" requires the output of "${stageId}", which has not completed before it`,
        { workflowRunId: source.workflowRunId, stageId: source.stageId },
      );
    }
    return source.outputs.get(stageId) as T;
  };
  this.optional = <T>(stageId: string): T | undefined =>
    source.outputs.get(stageId) as T | undefined;
  this.onProgress = (update) => {
    const progress = Math.max(0, Math.min(100, Number(update.progress) || 0));
    reports.progress = { ...update, progress };
    source.onProgress?.(reports.progress);
  };
  defineAccessors(this, LATE_LIST);
  // The kernel's own key (the run's trace context) is not the stage's business.
  this.metadata = withoutTraceContext(source.metadata);
  this.setMetadata = async (key, value) => {
    const encoded = encodeMetadata(source, key, value, deps.options.maxPayloadBytes);
    if (setValues === undefined) setValues = new Map();
    setValues.set(key, decodeValue(encoded));
    if (reports.metadata === undefined) reports.metadata = {};
    reports.metadata[key] = encoded;
  };
  this.emit = (name, payload) => {
    const event = checkEmit(
      { ...source, ...source.emits },
      name,
      payload,
      deps.options.maxPayloadBytes,
      deps.clock.now(),
    );
    if (reports.events === undefined) reports.events = [];
    reports.events.push(event);
  };
  this.getMetadata = <T>(key: string): T | undefined =>
    (setValues?.has(key) ? setValues.get(key) : source.metadata[key]) as T | undefined;
  this.plugins = deps.plugins ?? NO_PLUGINS;
  this.workflowId = source.workflowId;
  this.workflowRunId = source.workflowRunId;
  this.stageId = source.stageId;
  this.attempt = source.attempt;
  this.maxAttempts = source.maxAttempts;
} as unknown as new (
  deps: KernelDeps,
  source: StageContextSource,
  reports: StageReports,
) => WithLazy;
StageContextObject.prototype = Object.prototype;

/**
 * Checks and encodes a metadata value; throws `INVALID_METADATA` naming the key, or
 * `PAYLOAD_TOO_LARGE` for a value over `limit` bytes.
 */
function encodeMetadata(
  source: StageIdentity,
  key: string,
  value: unknown,
  limit: number,
): JsonValue {
  const ids = { workflowRunId: source.workflowRunId, stageId: source.stageId };
  if (!isMetadataKey(key)) {
    throw new RatchetError(
      "INVALID_METADATA",
      `[ratchet] stage "${source.stageId}": a metadata key must be a string of 1–${MAX_METADATA_KEY} characters, got ${JSON.stringify(key)}`,
      { ...ids, field: "metadata" },
    );
  }
  let encoded: JsonValue;
  try {
    encoded = encodeValue(value, `metadata.${key}`);
  } catch (error) {
    throw new RatchetError(
      "INVALID_METADATA",
      `[ratchet] stage "${source.stageId}": metadata "${key}" cannot be stored: ${error instanceof Error ? error.message : String(error)}`,
      { ...ids, field: `metadata.${key}` },
    );
  }
  checkPayloadSize(encoded, limit, `metadata.${key}`, { ...ids, workflowId: source.workflowId });
  return encoded;
}

/** Builds the context of `checkCompletion`. */
export function createCompletionContext(
  deps: KernelDeps,
  source: Omit<StageContextSource, "input" | "onProgress"> & { checks: number },
): { ctx: CompletionContext; reports: StageReports } {
  const { ctx, reports } = createStageContext(deps, { ...source, input: undefined });
  const { input: _input, onProgress: _onProgress, emit: _emit, ...rest } = ctx;
  return { ctx: { ...rest, checks: source.checks }, reports };
}

function createLogger(deps: KernelDeps, source: StageIdentity, sink: LogRecord[]): StageLogger {
  const write = (level: LogLevel, message: string, data?: Record<string, unknown>) => {
    let stored: JsonValue | null = null;
    if (data !== undefined) {
      try {
        stored = encodeValue(data, "data");
      } catch {
        stored = { unserializable: true };
      }
    }
    sink.push({
      id: deps.newId(),
      runId: source.workflowRunId,
      stageId: source.stageId,
      level,
      message: String(message),
      data: stored,
      createdAt: deps.clock.now(),
    });
  };
  const logger = write as StageLogger;
  logger.debug = (message, data) => write("debug", message, data);
  logger.info = (message, data) => write("info", message, data);
  logger.warn = (message, data) => write("warn", message, data);
  logger.error = (message, data) => write("error", message, data);
  return logger;
}

const STORAGE_KEY = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[^\0]{1,512}$/;

/** The blob store seen through a run's own prefix. */
export function createRunStorage(blobStore: BlobStore, runId: string): RunStorage {
  const prefix = `runs/${runId}/storage/`;
  const full = (key: string) => {
    if (!STORAGE_KEY.test(key)) {
      throw new RatchetError(
        "INVALID_STORAGE_KEY",
        `[ratchet] storage key ${JSON.stringify(key)} is invalid (no leading "/", no "." or ".." segments)`,
        {
          workflowRunId: runId,
          field: "key",
        },
      );
    }
    return prefix + key;
  };
  return {
    put: async (key, data) => blobStore.put(full(key), data),
    get: async (key) => blobStore.get(full(key)),
    putJson: async (key, value) =>
      blobStore.put(full(key), encoder.encode(JSON.stringify(encodeValue(value, key)))),
    getJson: async <T>(key: string) => {
      const data = await blobStore.get(full(key));
      return data === null ? null : decodeValue<T>(JSON.parse(decoder.decode(data)) as JsonValue);
    },
    has: async (key) => blobStore.has(full(key)),
    delete: async (key) => blobStore.delete(full(key)),
    list: async (sub = "") =>
      (await blobStore.list(prefix + sub)).map((k) => k.slice(prefix.length)),
  };
}
