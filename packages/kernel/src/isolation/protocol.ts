/**
 * The messages between the kernel and an isolated stage's body (a child process or a worker
 * thread; see `ports/stage-runner.ts`). All of them are plain JSON: values are encoded with the
 * kernel's codec (`encodeValue`), so dates survive and what JSON cannot hold is refused.
 *
 * 1. The host's runner starts the child and sends it an {@link IsolatedTask} (with the module
 *    to import, see `StageRunRequest.module`).
 * 2. The child imports the module, finds the workflow (id, version, fingerprint) and the stage,
 *    and runs `execute` with a context whose logs, progress, metadata, emits and storage calls
 *    are sent to the parent as {@link ChildMessage}s (storage calls wait for a
 *    {@link ParentMessage} reply).
 * 3. The child sends one {@link IsolatedResult} and exits. The parent may send `abort` first.
 */
import type { JsonObject, JsonValue, LogLevel } from "../records.js";

/** The version of this protocol; a child refuses a task of another. */
export const ISOLATION_PROTOCOL = 1;

/** What the child needs to run one attempt of the stage. */
export interface IsolatedTask {
  protocol: typeof ISOLATION_PROTOCOL;
  workflowId: string;
  workflowVersion: string;
  /** The definition's fingerprint: the child's must be the same, or it refuses. */
  fingerprint: string;
  workflowRunId: string;
  stageId: string;
  attempt: number;
  maxAttempts: number;
  /** The stage's input, after its input schema (encoded). */
  input: JsonValue;
  /** The stage's config (encoded). */
  config: JsonValue;
  /** The run's input as stored (encoded). */
  runInput: JsonValue;
  /** Outputs of earlier stages by stage id (encoded). */
  outputs: JsonObject;
  /** The run's metadata when the attempt started (encoded). */
  metadata: JsonObject;
}

/** An error as it crosses: enough to fail the attempt as the same error thrown in the worker would. */
export interface IsolatedError {
  name: string;
  message: string;
  /** The error's string `code`, if it had one. */
  code?: string;
  stack?: string;
  /** A `NonRetryableError`: the attempt fails without retries. */
  nonRetryable: boolean;
}

/** What the stage's storage may do (`ctx.storage`); bytes cross as base64. */
export type StorageOp = "put" | "get" | "has" | "delete" | "list";

/** A message from the child while the stage runs. */
export type ChildMessage =
  | { type: "log"; level: LogLevel; message: string; data?: JsonValue }
  | {
      type: "progress";
      progress: number;
      message?: string;
      details?: JsonValue;
    }
  | { type: "metadata"; key: string; value: JsonValue }
  | { type: "emit"; name: string; payload: JsonValue }
  | { type: "storage"; id: number; op: StorageOp; key: string; data?: string };

/** A reply to a `storage` message. */
export type StorageReply =
  | { type: "storage-result"; id: number; ok: true; value: JsonValue }
  | { type: "storage-result"; id: number; ok: false; error: IsolatedError };

/** A message from the parent: a storage reply, or `abort` (the child is killed soon after). */
export type ParentMessage = StorageReply | { type: "abort"; reason: IsolatedError };

/** The child's last message: the stage's output (encoded), or the error it threw. */
export type IsolatedResult =
  | { type: "result"; output: JsonValue }
  | { type: "error"; error: IsolatedError };

/** Whether a message from the child is its last one. */
export function isIsolatedResult(message: unknown): message is IsolatedResult {
  const type = (message as { type?: unknown } | null)?.type;
  return type === "result" || type === "error";
}

/** An error (or anything thrown) as it crosses. */
export function toIsolatedError(error: unknown): IsolatedError {
  if (!(error instanceof Error))
    return { name: "Error", message: String(error), nonRetryable: false };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof error.stack === "string" ? { stack: error.stack } : {}),
    nonRetryable: error.name === "NonRetryableError",
  };
}
