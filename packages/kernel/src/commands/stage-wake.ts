/**
 * `stage.wake`: ends a sleep step once its time has come (the scheduler dispatches it): the
 * stage completes with the input it kept, and the run moves on as after any stage.
 */

import { z } from "zod";
import { decodeValue } from "../codec.js";
import { RatchetError } from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { definitionOf } from "../internal/run/definition.js";
import { resumeSuspended, suspendedTarget } from "../internal/stage/resume-suspended.js";
import type { JsonObject } from "../records.js";
import { defineCommand } from "./command.js";
import { id, isId } from "./fields.js";

/** Ends a sleep step: completes its stage (scheduled by the step itself through the scheduler). */
export interface StageWakeCommand {
  type: "stage.wake";
  workflowRunId: string;
  /** The id of the sleeping stage record (a later pass of a loop has a new one). */
  stageRecordId: string;
}

/** Result of `stage.wake`. */
export interface StageWakeResult {
  workflowRunId: string;
  /** False when there was nothing to wake (the run moved on, ended, or was woken already). */
  woken: boolean;
}

/** Handles `stage.wake`. */
export async function stageWake(
  command: StageWakeCommand,
  deps: KernelDeps,
): Promise<StageWakeResult> {
  const runId = command.workflowRunId;
  const nothing: StageWakeResult = { workflowRunId: runId, woken: false };
  const run = await deps.persistence.getRun(runId);
  if (run?.status !== "RUNNING") return nothing;
  // Throws DEFINITION_UNAVAILABLE: the wake-up is handed out again, to a worker that has it.
  const workflow = definitionOf(deps, run);
  const records = await deps.persistence.listStages(runId);
  const record = records.find((r) => r.id === command.stageRecordId);
  if (record && (record.status === "PENDING" || record.status === "RUNNING")) {
    // Woken before its sleep committed (a scheduler outside the transaction): fail, so the
    // scheduler hands the wake-up out again.
    throw new RatchetError(
      "STAGE_NOT_ASLEEP",
      `[ratchet] stage "${record.stageId}" of run ${runId} is not asleep yet`,
      { workflowRunId: runId, stageId: record.stageId },
    );
  }
  if (record?.status !== "SUSPENDED" || record.groupIndex !== run.currentGroup) return nothing;
  const stage = workflow.getStage(record.stageId)?.stage;
  if (!stage) return nothing;
  const now = deps.clock.now();
  const target = suspendedTarget(workflow, run, record, now);
  const kept = decodeValue<{ input?: unknown }>(record.suspendedState ?? {}) as JsonObject;
  const outcome = await resumeSuspended(deps, target, stage, records, kept.input, now);
  return outcome === "stale" ? nothing : { workflowRunId: runId, woken: true };
}

/** `stage.wake`: its schema, fast check and handler. */
export const stageWakeModule = defineCommand<StageWakeCommand, StageWakeResult>({
  type: "stage.wake",
  schema: z.object({
    type: z.literal("stage.wake"),
    workflowRunId: id,
    stageRecordId: id,
  }),
  isWellFormed: (c) => isId(c.workflowRunId) && isId(c.stageRecordId),
  handle: stageWake,
});
