/**
 * The child's side of an isolated stage (runs in the child process or worker thread, with no
 * Node API: the host gives it a channel). It finds the stage in the module's exports, runs its
 * `execute` with a context that forwards to the parent, and returns the last message to send.
 */
import { decodeValue, encodeValue } from "../codec.js";
import type { ProgressUpdate, RunStorage, StageContext, StageLogger } from "../dsl/context.js";
import type { AnyStage } from "../dsl/stage.js";
import type { AnyWorkflow } from "../dsl/workflow-model.js";
import { NonRetryableError, RatchetError } from "../errors.js";
import type { JsonValue, LogLevel } from "../records.js";
import { fromBase64, toBase64 } from "./bytes.js";
import { fromIsolatedError } from "./errors.js";
import {
  type ChildMessage,
  ISOLATION_PROTOCOL,
  type IsolatedResult,
  type IsolatedTask,
  type ParentMessage,
  type StorageOp,
  toIsolatedError,
} from "./protocol.js";

/** How the child talks to the parent (process IPC or a thread's port, given by the host). */
export interface IsolationChannel {
  send(message: ChildMessage): void;
  /** Calls `listener` with each message from the parent. */
  subscribe(listener: (message: ParentMessage) => void): void;
}

function isWorkflow(value: unknown): value is AnyWorkflow {
  const w = value as Partial<AnyWorkflow> | null;
  return (
    typeof w === "object" &&
    w !== null &&
    typeof w.id === "string" &&
    typeof w.fingerprint === "string" &&
    Array.isArray(w.groups) &&
    typeof w.getStage === "function"
  );
}

/**
 * The workflows a module exports: its `workflows` array, a default export that is an array or a
 * workflow, and every named export that is a workflow.
 */
export function workflowsOf(exports: Record<string, unknown>): AnyWorkflow[] {
  const found: AnyWorkflow[] = [];
  const add = (value: unknown) => {
    if (Array.isArray(value)) for (const item of value) add(item);
    else if (isWorkflow(value) && !found.includes(value)) found.push(value);
  };
  for (const value of Object.values(exports)) add(value);
  return found;
}

/** Finds the task's stage among `workflows`; throws `ISOLATED_STAGE_NOT_FOUND` or `ISOLATED_STAGE_MISMATCH`. */
export function findIsolatedStage(workflows: readonly AnyWorkflow[], task: IsolatedTask): AnyStage {
  const ids = {
    workflowId: task.workflowId,
    workflowRunId: task.workflowRunId,
    stageId: task.stageId,
  };
  if (task.protocol !== ISOLATION_PROTOCOL)
    throw new NonRetryableError(
      `[ratchet] isolated stage "${task.stageId}": the host speaks protocol ${String(task.protocol)}, this kernel ${ISOLATION_PROTOCOL}`,
      { code: "ISOLATED_STAGE_MISMATCH", ...ids },
    );
  const same = workflows.filter((w) => w.id === task.workflowId);
  const workflow = same.find((w) => w.version === task.workflowVersion);
  if (!workflow)
    throw new NonRetryableError(
      `[ratchet] isolated stage "${task.stageId}": the module does not export workflow "${task.workflowId}" version ${task.workflowVersion} (it exports ${workflows.map((w) => `${w.id}@${w.version}`).join(", ") || "no workflow"})`,
      { code: "ISOLATED_STAGE_NOT_FOUND", ...ids },
    );
  if (workflow.fingerprint !== task.fingerprint)
    throw new NonRetryableError(
      `[ratchet] isolated stage "${task.stageId}": the module's workflow "${task.workflowId}" version ${task.workflowVersion} is not the definition the run uses (fingerprint ${workflow.fingerprint}, run's ${task.fingerprint})`,
      { code: "ISOLATED_STAGE_MISMATCH", ...ids },
    );
  const entry = workflow.getStage(task.stageId);
  if (!entry)
    throw new NonRetryableError(
      `[ratchet] isolated stage "${task.stageId}": workflow "${task.workflowId}" has no such stage`,
      { code: "ISOLATED_STAGE_NOT_FOUND", ...ids },
    );
  return entry.stage;
}

/**
 * Runs one attempt of an isolated stage in the child: finds the stage among the module's
 * workflows (`exports`: the imported module), runs `execute`, and returns the message to send
 * last (the encoded output, or the error). Never throws.
 */
export async function runIsolatedStage(
  exports: Record<string, unknown>,
  task: IsolatedTask,
  channel: IsolationChannel,
): Promise<IsolatedResult> {
  const abort = new AbortController();
  const pending = new Map<number, (message: ParentMessage & { type: "storage-result" }) => void>();
  channel.subscribe((message) => {
    if (message.type === "abort") abort.abort(fromIsolatedError(message.reason));
    else pending.get(message.id)?.(message);
  });
  let next = 0;
  const call = (op: StorageOp, key: string, data?: Uint8Array): Promise<JsonValue> =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, (reply) => {
        pending.delete(id);
        if (reply.ok) resolve(reply.value);
        else reject(fromIsolatedError(reply.error));
      });
      channel.send({ type: "storage", id, op, key, ...(data ? { data: toBase64(data) } : {}) });
    });
  try {
    const stage = findIsolatedStage(workflowsOf(exports), task);
    const ctx = childContext(task, channel, abort.signal, call);
    const output = await stage.execute(ctx);
    return { type: "result", output: encodeValue(output, "output") };
  } catch (error) {
    return { type: "error", error: toIsolatedError(error) };
  }
}

function childContext(
  task: IsolatedTask,
  channel: IsolationChannel,
  signal: AbortSignal,
  call: (op: StorageOp, key: string, data?: Uint8Array) => Promise<JsonValue>,
): StageContext {
  const outputs = decodeValue<Record<string, unknown>>(task.outputs);
  const metadata = Object.freeze(decodeValue<Record<string, unknown>>(task.metadata));
  const set = new Map<string, unknown>();
  const write = (level: LogLevel, message: string, data?: Record<string, unknown>) => {
    let encoded: JsonValue | undefined;
    if (data !== undefined) {
      try {
        encoded = encodeValue(data, "data");
      } catch {
        encoded = { unserializable: true };
      }
    }
    channel.send({
      type: "log",
      level,
      message: String(message),
      ...(encoded !== undefined ? { data: encoded } : {}),
    });
  };
  const log = write as StageLogger;
  log.debug = (m, d) => write("debug", m, d);
  log.info = (m, d) => write("info", m, d);
  log.warn = (m, d) => write("warn", m, d);
  log.error = (m, d) => write("error", m, d);
  const storage: RunStorage = {
    put: async (key, data) => void (await call("put", key, data)),
    get: async (key) => {
      const value = await call("get", key);
      return typeof value === "string" ? fromBase64(value) : null;
    },
    putJson: async (key, value) =>
      void (await call(
        "put",
        key,
        new TextEncoder().encode(JSON.stringify(encodeValue(value, key))),
      )),
    getJson: async <T>(key: string) => {
      const value = await call("get", key);
      if (typeof value !== "string") return null;
      return decodeValue<T>(JSON.parse(new TextDecoder().decode(fromBase64(value))) as JsonValue);
    },
    has: async (key) => (await call("has", key)) === true,
    delete: async (key) => void (await call("delete", key)),
    list: async (prefix = "") => (await call("list", prefix)) as string[],
  };
  return {
    input: decodeValue(task.input),
    config: decodeValue(task.config),
    workflowContext: Object.freeze(outputs),
    workflowInput: decodeValue(task.runInput),
    require: <T>(stageId: string): T => {
      if (!(stageId in outputs))
        throw new RatchetError(
          "STAGE_OUTPUT_MISSING",
          `[ratchet] stage "${task.stageId}" requires the output of "${stageId}", which has not completed before it`,
          { workflowRunId: task.workflowRunId, stageId: task.stageId },
        );
      return outputs[stageId] as T;
    },
    optional: <T>(stageId: string) => outputs[stageId] as T | undefined,
    onProgress: (update: ProgressUpdate) => {
      const progress = Math.max(0, Math.min(100, Number(update.progress) || 0));
      let details: JsonValue | undefined;
      if (update.details !== undefined) details = encodeValue(update.details, "details");
      channel.send({
        type: "progress",
        progress,
        ...(update.message !== undefined ? { message: String(update.message) } : {}),
        ...(details !== undefined ? { details } : {}),
      });
    },
    log,
    storage,
    signal,
    metadata,
    setMetadata: async (key, value) => {
      const encoded = encodeValue(value, `metadata.${String(key)}`);
      set.set(key, decodeValue(encoded));
      channel.send({ type: "metadata", key, value: encoded });
    },
    getMetadata: <T>(key: string) => (set.has(key) ? set.get(key) : metadata[key]) as T | undefined,
    plugins: Object.freeze({}),
    emit: (name, payload) => {
      channel.send({
        type: "emit",
        name: String(name),
        payload: encodeValue(payload ?? null, "payload"),
      });
    },
    workflowId: task.workflowId,
    workflowRunId: task.workflowRunId,
    stageId: task.stageId,
    attempt: task.attempt,
    maxAttempts: task.maxAttempts,
  };
}
