/**
 * `externalStage`: a stage declared in TypeScript (id, schemas, retries, timeout) whose body
 * runs in an external worker — any language, speaking the protocol of `protocol.ts`.
 *
 * The stage is an isolated stage (see the kernel's `ports/stage-runner.ts`) whose isolation
 * names the task: `isolation.module` is `ratchet-external:<task>`. So `job.execute` does all it
 * does for any stage — the lease and its heartbeats, the attempt fence, the input and output
 * schemas, the exactly-once commit — and hands only the body to the kernel's `stageRunner`,
 * which must be the gateway's (`createExternalWorkerGateway(...).stageRunner`). The kernel
 * needs no change for it.
 */
import {
  defineStage,
  NonRetryableError,
  RatchetError,
  type StageInput,
  type StageIsolation,
} from "@ratchet/kernel";
import type { z } from "zod";

/** The prefix of `isolation.module` that marks an external stage. */
export const EXTERNAL_MODULE_PREFIX = "ratchet-external:";

const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/** Input of {@link externalStage}: a stage's fields without a body, plus the task name. */
export type ExternalStageInput<
  TId extends string,
  TIn extends z.ZodType,
  TOut extends z.ZodType,
  TConfig extends z.ZodType,
> = Omit<StageInput<TId, TIn, TOut, TConfig>, "execute" | "isolation"> & {
  /**
   * The task external workers claim it by (`tasks` of `POST /v1/claim`): letters, digits and
   * `. _ : / -`, up to 128 characters.
   */
  task: string;
};

/**
 * Defines a stage whose body runs in an external worker serving `task`.
 *
 * @example
 * ```ts
 * const resize = externalStage({
 *   id: "resize", task: "resize-image",
 *   schemas: { input: z.object({ url: z.string() }), output: z.object({ url: z.string() }) },
 * });
 * ```
 */
export function externalStage<
  const TId extends string,
  TIn extends z.ZodType,
  TOut extends z.ZodType,
  TConfig extends z.ZodType = z.ZodObject<Record<string, never>>,
>(def: ExternalStageInput<TId, TIn, TOut, TConfig>) {
  const { task, ...rest } = def;
  if (typeof task !== "string" || !TASK_NAME.test(task))
    throw new RatchetError(
      "INVALID_GATEWAY_OPTIONS",
      `[ratchet] external stage "${String(def.id)}": task must be 1-128 letters, digits or . _ : / - (starting with a letter or digit), got ${JSON.stringify(task)}`,
      { field: "task", stageId: String(def.id) },
    );
  return defineStage<TId, TIn, TOut, TConfig>({
    ...rest,
    isolation: { mode: "process", module: `${EXTERNAL_MODULE_PREFIX}${task}` },
    // Never called by a kernel: an isolated stage's body goes to the stage runner. Only a child
    // of another runner could reach it, and it must not pretend to run the task.
    execute: () => {
      throw new NonRetryableError(
        `[ratchet] stage "${String(def.id)}" runs in an external worker (task "${task}"); give the kernel the external worker gateway's stageRunner`,
        { code: "STAGE_NOT_EXTERNAL", stageId: String(def.id) },
      );
    },
  } as StageInput<TId, TIn, TOut, TConfig>);
}

/** The task of an external stage's isolation, or `undefined` for any other isolation. */
export function externalTaskOf(isolation: StageIsolation): string | undefined {
  const module = isolation.module;
  return module?.startsWith(EXTERNAL_MODULE_PREFIX)
    ? module.slice(EXTERNAL_MODULE_PREFIX.length)
    : undefined;
}
