/**
 * The kernel's side of an isolated stage: builds the task the child runs, hands it to the
 * host's `StageRunner`, applies what the child reports to the attempt's own `ctx` (so logs,
 * progress, metadata and emits are written with the result as usual), and returns the output.
 */
import { decodeValue, encodeValue } from "../codec.js";
import type { StageContext } from "../dsl/context.js";
import type { AnyStage } from "../dsl/stage.js";
import type { AnyWorkflow } from "../dsl/workflow-model.js";
import { NonRetryableError } from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import type { JsonObject, JsonValue } from "../records.js";
import { fromBase64, toBase64 } from "./bytes.js";
import { fromIsolatedError } from "./errors.js";
import {
  type ChildMessage,
  ISOLATION_PROTOCOL,
  type IsolatedTask,
  type StorageReply,
  toIsolatedError,
} from "./protocol.js";

/**
 * Runs an isolated stage's body through `deps.stageRunner`. Throws `ISOLATION_UNAVAILABLE`
 * (not retried) when the kernel has no runner, the stage's own error when it threw, the
 * runner's when the child crashed or was killed, or the first metadata/emit error the child's
 * reports caused.
 */
export async function runIsolated(
  deps: KernelDeps,
  workflow: AnyWorkflow,
  stage: AnyStage,
  ctx: StageContext,
  runInput: JsonValue,
): Promise<unknown> {
  const isolation = stage.isolation;
  const runner = deps.stageRunner;
  if (isolation === undefined || runner === undefined)
    throw new NonRetryableError(
      `[ratchet] stage "${stage.id}" is isolated (it runs in a child process or a worker thread) but this kernel has no stage runner: create it with stageRunner (e.g. createIsolatedStageRunner() of @ratchet/host-node)`,
      {
        code: "ISOLATION_UNAVAILABLE",
        workflowId: workflow.id,
        workflowRunId: ctx.workflowRunId,
        stageId: stage.id,
      },
    );
  const task: IsolatedTask = {
    protocol: ISOLATION_PROTOCOL,
    workflowId: workflow.id,
    workflowVersion: workflow.version,
    fingerprint: workflow.fingerprint,
    workflowRunId: ctx.workflowRunId,
    stageId: stage.id,
    attempt: ctx.attempt,
    maxAttempts: ctx.maxAttempts,
    input: encodeValue(ctx.input, "input"),
    config: encodeValue(ctx.config, "config"),
    runInput,
    outputs: encodeValue(ctx.workflowContext, "outputs") as JsonObject,
    metadata: encodeValue(ctx.metadata, "metadata") as JsonObject,
  };
  // A report the attempt's ctx refuses (an undeclared event, bad metadata) fails the attempt
  // with that error, as it would have thrown in the worker.
  let refused: unknown;
  const onMessage = async (message: ChildMessage): Promise<StorageReply | undefined> => {
    try {
      switch (message.type) {
        case "log":
          ctx.log(
            message.level,
            message.message,
            message.data === undefined
              ? undefined
              : decodeValue<Record<string, unknown>>(message.data),
          );
          return undefined;
        case "progress":
          ctx.onProgress({
            progress: message.progress,
            ...(message.message !== undefined ? { message: message.message } : {}),
            ...(message.details !== undefined
              ? { details: decodeValue<Record<string, unknown>>(message.details) }
              : {}),
          });
          return undefined;
        case "metadata":
          await ctx.setMetadata(message.key, decodeValue(message.value));
          return undefined;
        case "emit":
          ctx.emit(message.name, decodeValue(message.payload));
          return undefined;
        case "storage":
          return await storageCall(ctx, message);
        default:
          return undefined;
      }
    } catch (error) {
      refused ??= error;
      return undefined;
    }
  };
  const result = await runner.run({ task, isolation, signal: ctx.signal, onMessage });
  if (result.type === "error") throw fromIsolatedError(result.error);
  if (refused !== undefined) throw refused;
  return decodeValue(result.output);
}

async function storageCall(
  ctx: StageContext,
  message: ChildMessage & { type: "storage" },
): Promise<StorageReply> {
  const { id, key } = message;
  try {
    let value: JsonValue = null;
    switch (message.op) {
      case "put":
        await ctx.storage.put(key, fromBase64(message.data ?? ""));
        break;
      case "get": {
        const data = await ctx.storage.get(key);
        value = data === null ? null : toBase64(data);
        break;
      }
      case "has":
        value = await ctx.storage.has(key);
        break;
      case "delete":
        await ctx.storage.delete(key);
        break;
      case "list":
        value = await ctx.storage.list(key);
        break;
    }
    return { type: "storage-result", id, ok: true, value };
  } catch (error) {
    return { type: "storage-result", id, ok: false, error: toIsolatedError(error) };
  }
}
