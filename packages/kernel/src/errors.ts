/**
 * Ratchet's errors. Every error the kernel raises is a {@link RatchetError} with a stable
 * string `code` (safe to match on; messages may change) and the ids involved.
 */

import type { StoredError } from "./records.js";

/** Ids an error may carry. */
export interface ErrorContext {
  workflowId?: string;
  workflowRunId?: string;
  stageId?: string;
  jobId?: string;
  /** Dotted path of the offending field, e.g. `input.email`. */
  field?: string;
}

/** Options accepted by every Ratchet error. */
export interface RatchetErrorOptions extends ErrorContext {
  cause?: unknown;
}

/** Base class of every error Ratchet raises. */
export class RatchetError extends Error {
  /** Stable machine-readable code. */
  readonly code: string;
  readonly workflowId: string | undefined;
  readonly workflowRunId: string | undefined;
  readonly stageId: string | undefined;
  readonly jobId: string | undefined;
  readonly field: string | undefined;

  constructor(code: string, message: string, options: RatchetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.workflowId = options.workflowId;
    this.workflowRunId = options.workflowRunId;
    this.stageId = options.stageId;
    this.jobId = options.jobId;
    this.field = options.field;
  }

  /** A plain, JSON-safe view of the error (for logs, CLI output and HTTP responses). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.name,
      code: this.code,
      message: this.message,
    };
    for (const key of ["workflowId", "workflowRunId", "stageId", "jobId", "field"] as const) {
      if (this[key] !== undefined) out[key] = this[key];
    }
    return out;
  }
}

/** One validation problem, as reported by zod (path joined with dots). */
export interface ValidationIssue {
  path: string;
  message: string;
  code: string;
}

/** No workflow with this id is registered. */
export class WorkflowNotFoundError extends RatchetError {
  constructor(workflowId: string) {
    super("WORKFLOW_NOT_FOUND", `[ratchet] workflow "${workflowId}" is not registered`, {
      workflowId,
    });
  }
}

/** A run's input, a stage's config or a command failed validation. */
export class InvalidInputError extends RatchetError {
  /** Every problem found, not only the first. */
  readonly issues: readonly ValidationIssue[];

  constructor(
    message: string,
    issues: readonly ValidationIssue[],
    options: RatchetErrorOptions = {},
  ) {
    super("INVALID_INPUT", message, options);
    this.issues = issues;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), issues: this.issues };
  }
}

/** A signal's payload does not match the schema of the step waiting for it. */
export class InvalidSignalPayloadError extends InvalidInputError {
  constructor(
    message: string,
    issues: readonly ValidationIssue[],
    options: RatchetErrorOptions = {},
  ) {
    super(message, issues, options);
    (this as { code: string }).code = "INVALID_SIGNAL_PAYLOAD";
  }
}

/** A run's config failed validation against a stage's config schema. */
export class InvalidConfigError extends InvalidInputError {
  constructor(
    message: string,
    issues: readonly ValidationIssue[],
    options: RatchetErrorOptions = {},
  ) {
    super(message, issues, options);
    (this as { code: string }).code = "INVALID_CONFIG";
  }
}

/** A value cannot be stored: BigInt, a function, a symbol, a cycle, NaN or Infinity. */
export class UnserializableValueError extends RatchetError {
  constructor(message: string, options: RatchetErrorOptions = {}) {
    super("UNSERIALIZABLE_VALUE", message, options);
  }
}

/**
 * A value is larger than the kernel's `maxPayloadBytes` (UTF-8 bytes of its encoded JSON):
 * a run's input, config or metadata, or a metadata value a stage sets. Nothing was written.
 */
export class PayloadTooLargeError extends RatchetError {
  /** Size of the encoded value. */
  readonly bytes: number;
  /** The limit it went over. */
  readonly limitBytes: number;

  constructor(message: string, bytes: number, limitBytes: number, options: RatchetErrorOptions) {
    super("PAYLOAD_TOO_LARGE", message, options);
    this.bytes = bytes;
    this.limitBytes = limitBytes;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), bytes: this.bytes, limitBytes: this.limitBytes };
  }
}

/** No run with this id exists. */
export class RunNotFoundError extends RatchetError {
  constructor(workflowRunId: string) {
    super("RUN_NOT_FOUND", `[ratchet] run "${workflowRunId}" does not exist`, { workflowRunId });
  }
}

/** No stage with this id exists in the run's workflow. */
export class StageNotFoundError extends RatchetError {
  constructor(stageId: string, options: RatchetErrorOptions = {}) {
    super("STAGE_NOT_FOUND", `[ratchet] stage "${stageId}" does not exist`, {
      ...options,
      stageId,
    });
  }
}

/** The command asks for a transition the entity's current state does not allow. */
export class IllegalStateTransitionError extends RatchetError {
  readonly from: string;
  readonly to: string;

  constructor(from: string, to: string, options: RatchetErrorOptions = {}) {
    super(
      "ILLEGAL_STATE_TRANSITION",
      `[ratchet] cannot go from ${from} to ${to}${options.workflowRunId ? ` (run ${options.workflowRunId})` : ""}`,
      options,
    );
    this.from = from;
    this.to = to;
  }
}

/** Another command with the same idempotency key is still in progress. */
export class IdempotencyKeyInProgressError extends RatchetError {
  readonly idempotencyKey: string;

  constructor(idempotencyKey: string, commandType: string) {
    super(
      "IDEMPOTENCY_KEY_IN_PROGRESS",
      `[ratchet] a ${commandType} command with idempotency key "${idempotencyKey}" is still in progress`,
    );
    this.idempotencyKey = idempotencyKey;
  }
}

/**
 * An idempotency key was used again with a different request (another workflow, input, config,
 * metadata or priority). Nothing was created; `existingRunId` is the run the key made first.
 */
export class IdempotencyKeyConflictError extends RatchetError {
  readonly idempotencyKey: string;
  /** The run the first request with this key created. */
  readonly existingRunId: string;

  constructor(idempotencyKey: string, commandType: string, existingRunId: string) {
    super(
      "IDEMPOTENCY_KEY_CONFLICT",
      `[ratchet] idempotency key "${idempotencyKey}" was used by an earlier ${commandType} with a different request (it created run ${existingRunId}); use a new key for a new request`,
      { workflowRunId: existingRunId, field: "idempotencyKey" },
    );
    this.idempotencyKey = idempotencyKey;
    this.existingRunId = existingRunId;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      idempotencyKey: this.idempotencyKey,
      existingRunId: this.existingRunId,
    };
  }
}

/**
 * A stored run names a workflow definition — id, version and fingerprint — that this kernel's
 * registry does not have. Nothing was changed: the run waits for a worker that has it (or for
 * `run.migrate`).
 */
export class DefinitionUnavailableError extends RatchetError {
  readonly workflowVersion: string;
  readonly fingerprint: string;

  constructor(
    ref: { workflowId: string; workflowVersion: string; fingerprint: string },
    options: RatchetErrorOptions = {},
  ) {
    super(
      "DEFINITION_UNAVAILABLE",
      `[ratchet] workflow "${ref.workflowId}" version ${ref.workflowVersion} (fingerprint ${ref.fingerprint}) is not registered here${options.workflowRunId ? `; run ${options.workflowRunId} waits for a worker that has it` : ""}${options.stageId ? ` (stage "${options.stageId}")` : ""}`,
      { ...options, workflowId: ref.workflowId },
    );
    this.workflowVersion = ref.workflowVersion;
    this.fingerprint = ref.fingerprint;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      workflowVersion: this.workflowVersion,
      fingerprint: this.fingerprint,
    };
  }
}

/** A write named a run version that is no longer current; nothing was changed. */
export class StaleVersionError extends RatchetError {
  readonly expectedVersion: number;
  readonly actualVersion: number | undefined;

  constructor(workflowRunId: string, expectedVersion: number, actualVersion?: number) {
    super(
      "STALE_VERSION",
      `[ratchet] run "${workflowRunId}" is not at version ${expectedVersion}${actualVersion === undefined ? "" : ` (it is at ${actualVersion})`}`,
      { workflowRunId },
    );
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }
}

/** A workflow definition is invalid (duplicate stage ids, incompatible schemas, no stages). */
export class WorkflowDefinitionError extends RatchetError {
  constructor(code: string, message: string, options: RatchetErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A command object is malformed or has an unknown `type`. */
export class InvalidCommandError extends RatchetError {
  constructor(message: string, options: RatchetErrorOptions = {}) {
    super("INVALID_COMMAND", message, options);
  }
}

/**
 * Thrown by stage code to fail the stage at once, without retries.
 *
 * @example
 * ```ts
 * if (!doc.url.startsWith("https://")) throw new NonRetryableError("only https is supported");
 * ```
 */
export class NonRetryableError extends RatchetError {
  constructor(message: string, options: RatchetErrorOptions & { code?: string } = {}) {
    super(options.code ?? "NON_RETRYABLE", message, options);
  }
}

/** Most stack frames {@link toStoredError} keeps. */
export const STORED_STACK_FRAMES = 10;
/** Most characters of a stack {@link toStoredError} keeps (whole frames only). */
export const STORED_STACK_CHARS = 2_000;

/**
 * The frames of `error.stack`, trimmed for storage: without the `Name: message` header (the
 * stored error has the message already), each frame on its own line with its indentation
 * removed, at most {@link STORED_STACK_FRAMES} frames and {@link STORED_STACK_CHARS}
 * characters (a frame that does not fit is dropped, not cut). `undefined` when the error has no
 * stack or no frame.
 *
 * @example
 * ```ts
 * trimStack(new Error("boom")); // "at f (/app/stages.ts:12:11)\nat …"
 * ```
 */
export function trimStack(error: Error): string | undefined {
  const stack: unknown = error.stack;
  if (typeof stack !== "string" || stack.length === 0) return undefined;
  let body = stack;
  // V8 starts with `String(error)` (the message may span lines); other engines list frames only.
  const header = headerOf(error);
  if (header !== undefined && body.startsWith(header)) body = body.slice(header.length);
  let lines = body.split("\n").map((line) => line.trim());
  // V8 frames start with "at ": whatever comes before the first is a header (a message changed
  // after the error was made).
  const first = lines.findIndex((line) => line.startsWith("at "));
  if (first > 0) lines = lines.slice(first);
  const frames: string[] = [];
  let length = 0;
  for (const line of lines) {
    if (line.length === 0) continue;
    const added = (frames.length > 0 ? 1 : 0) + line.length;
    if (frames.length >= STORED_STACK_FRAMES || length + added > STORED_STACK_CHARS) break;
    frames.push(line);
    length += added;
  }
  return frames.length > 0 ? frames.join("\n") : undefined;
}

/** The first line(s) V8 writes in a stack: `String(error)`; `undefined` if it throws. */
function headerOf(error: Error): string | undefined {
  try {
    return String(error);
  } catch {
    return undefined;
  }
}

/**
 * Turns anything thrown into a `{ code, message, name, stack }` record fit for storage; the
 * stack trimmed by {@link trimStack}.
 */
export function toStoredError(error: unknown, stageId?: string): StoredError {
  const base: StoredError =
    error instanceof RatchetError
      ? { code: error.code, message: error.message, name: error.name }
      : error instanceof Error
        ? {
            code:
              typeof (error as { code?: unknown }).code === "string"
                ? String((error as unknown as { code: string }).code)
                : "STAGE_ERROR",
            message: error.message,
            name: error.name,
          }
        : { code: "STAGE_ERROR", message: String(error) };
  if (stageId !== undefined) base.stageId = stageId;
  if (error instanceof Error) {
    const stack = trimStack(error);
    if (stack !== undefined) base.stack = stack;
  }
  return base;
}

/** `awaitRunResult` gave up waiting: the run had not ended within `timeoutMs` (it goes on). */
export class RunAwaitTimeoutError extends RatchetError {
  /** How long the caller waited, ms. */
  readonly timeoutMs: number;

  constructor(workflowRunId: string, timeoutMs: number) {
    super(
      "RUN_AWAIT_TIMEOUT",
      `[ratchet] run "${workflowRunId}" had not ended after ${timeoutMs} ms of waiting; it goes on — await it again or follow it with \`ratchet status ${workflowRunId}\``,
      { workflowRunId },
    );
    this.timeoutMs = timeoutMs;
  }
}
