/**
 * Ends a `SUSPENDED` stage with an output, the way `stage.pollSuspended` (a ready check) and
 * `stage.wake` (a sleep that ended) both do: the output is checked against the stage's schema,
 * a branching workflow's next step is chosen, and the stage completes — closing its group, and
 * maybe the run, in the same commit — or fails with the reason.
 */

import type { AnyStage } from "../../dsl/stage.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { RunRecord, StageRecord } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import type { ClosingFlow } from "../run/group-close.js";
import { nextStep } from "../run/routing.js";
import { commitCompleted } from "./commit-completed.js";
import { commitFailed } from "./commit-failed.js";
import type { AttemptTarget } from "./outcome.js";
import { checkOutput } from "./output-check.js";
import { cacheOutput, prepareOutput } from "./outputs.js";

/**
 * The attempt a suspended stage's resumption commits as: its stored attempt, expected still
 * `SUSPENDED`, with no `workflow.step.started` (written when it suspended). `since` stands in
 * for a start time the record lacks.
 */
export function suspendedTarget(
  workflow: AnyWorkflow,
  run: RunRecord,
  record: StageRecord,
  since: Date,
): AttemptTarget {
  return {
    workflow,
    run,
    record,
    attempt: record.attempt,
    fromStatuses: ["SUSPENDED"],
    reports: { logs: [], progress: undefined, metadata: undefined },
    startedAt: record.startedAt ?? since,
    emitStarted: false,
  };
}

/** What became of the stage: completed, failed (bad output or route), or moved on elsewhere. */
export type ResumeOutcome = "resumed" | "failed" | "stale";

/** Completes `target`'s suspended stage with `output` (see the file's comment). */
export async function resumeSuspended(
  deps: KernelDeps,
  target: AttemptTarget,
  stage: AnyStage,
  records: readonly StageRecord[],
  output: unknown,
  now: Date,
): Promise<ResumeOutcome> {
  const { workflow, run, record } = target;
  const checked = checkOutput(stage.schemas.output, output, {
    workflowRunId: run.id,
    stageId: record.stageId,
  });
  if ("error" in checked) {
    await commitFailed(deps, target, checked.error, undefined);
    return "failed";
  }
  let flow: ClosingFlow | undefined;
  if (workflow.branching) {
    const step = nextStep(workflow, run, record.groupIndex, record.stageId, undefined, now);
    if ("error" in step) {
      await commitFailed(deps, target, step.error, undefined);
      return "failed";
    }
    flow = { step, records };
  }
  const prepared = await prepareOutput(deps, record, checked.encoded);
  const outcome = await commitCompleted(deps, target, prepared, checked.value, undefined, flow);
  if (outcome.kind !== "committed") return "stale";
  cacheOutput(deps, record.id, checked.value, prepared.bytes);
  return "resumed";
}
