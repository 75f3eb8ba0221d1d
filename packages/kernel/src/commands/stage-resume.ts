/**
 * `stage.resume`: resumes a waiting stage (signal, approval, child) whose wait has ended, or
 * times it out when its time has come. Scheduled with every delivery and with each wait's
 * time-out, so a resume lost to a crash happens anyway.
 */
import { z } from "zod";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { resumeWaitingStage } from "../internal/waits/resume.js";
import { defineCommand } from "./command.js";
import { id, isId } from "./fields.js";

/** Resumes a waiting stage. */
export interface StageResumeCommand {
  type: "stage.resume";
  workflowRunId: string;
  stageRecordId: string;
}

/** Result of `stage.resume`. */
export interface StageResumeResult {
  workflowRunId: string;
  /**
   * `retried`: a child step's child failed and a new child was started (its retry policy);
   * `nothing`: the stage had moved on, or was resumed already.
   */
  outcome: "resumed" | "failed" | "retried" | "nothing";
}

/** Handles `stage.resume`. */
export async function stageResume(
  command: StageResumeCommand,
  deps: KernelDeps,
): Promise<StageResumeResult> {
  const outcome = await resumeWaitingStage(deps, command.workflowRunId, command.stageRecordId);
  return { workflowRunId: command.workflowRunId, outcome };
}

/** `stage.resume`: its schema, fast check and handler. */
export const stageResumeModule = defineCommand<StageResumeCommand, StageResumeResult>({
  type: "stage.resume",
  schema: z.object({
    type: z.literal("stage.resume"),
    workflowRunId: id,
    stageRecordId: id,
  }),
  isWellFormed: (c) => isId(c.workflowRunId) && isId(c.stageRecordId),
  handle: stageResume,
});
