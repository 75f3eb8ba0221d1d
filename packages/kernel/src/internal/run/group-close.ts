/**
 * What a stage completion writes when it closes its group, prepared before the commit so the
 * store can apply it without reads: the next group's records and jobs, or the run's
 * completion with its output. When that cannot be known in advance, `finishClosedGroup`
 * moves the run on after the commit, the way `run.transition` does.
 */
import { encodeValue } from "../../codec.js";
import { END } from "../../dsl/flow.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { GroupClose } from "../../ports/stage-committer.js";
import type { RunRecord, StageRecord } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { commitRun, inTransaction, pendingEvent } from "../tx/unit-of-work.js";
import { writeControl } from "./flow-control.js";
import { advancePastGroup, type Continuation, groupState, newGroup } from "./progression.js";
import type { NextStep } from "./routing.js";
import { skippedByChoice } from "./skipped.js";

/** What a workflow with control flow needs to prepare a close: the decision, the run's records. */
export interface ClosingFlow {
  step: NextStep;
  /** The run's stage records as the stage saw them (to spot a group a loop ran before). */
  records: readonly StageRecord[];
}

/**
 * The close of `record`'s group, or `null` when the kernel must finish it after the commit:
 * the last group is parallel (the run's output combines every member's), the output does not
 * fit the workflow's output schema (the run then fails with `WORKFLOW_OUTPUT_INVALID`), or the
 * workflow has a timeout (its entry is dropped as the run completes).
 * A continuation claims next-group jobs after any group; after a parallel one, whose other
 * members this worker did not see complete, it hands them on without a snapshot.
 */
export function groupClose(
  deps: Pick<KernelDeps, "newId" | "options">,
  run: RunRecord,
  workflow: AnyWorkflow,
  record: Pick<StageRecord, "groupIndex">,
  output: unknown,
  now: Date,
  continuation?: Continuation,
  flow?: ClosingFlow,
): GroupClose | null {
  const groupIndex = record.groupIndex;
  const single = (workflow.groups[groupIndex]?.length ?? 0) === 1;
  // A choice's untaken branches are recorded SKIPPED with the close (see skipped.ts).
  const skipped = flow
    ? skippedByChoice(deps, run, workflow, groupIndex, flow.step.to, flow.records, now)
    : undefined;
  if (flow) {
    const { step } = flow;
    if (step.to !== END) {
      // A group a loop ran before still has its records: the kernel replaces them after.
      if (flow.records.some((r) => r.groupIndex === step.to)) return null;
      const availableAt = step.delayMs > 0 ? new Date(now.getTime() + step.delayMs) : now;
      const nextGroup = newGroup(deps, run, workflow, step.to, now, continuation, availableAt);
      return {
        events: [],
        run: { currentGroup: step.to, control: writeControl(step.entering) },
        nextGroup,
        ...(skipped ? { skipped } : {}),
      };
    }
  } else {
    const next = groupIndex + 1;
    if (next < workflow.groups.length) {
      const nextGroup = newGroup(deps, run, workflow, next, now, continuation);
      return { events: [], run: { currentGroup: next }, nextGroup };
    }
  }
  if (!single) return null;
  // A run with a timeout completes through `commitRun`, which also drops its timeout entry;
  // one with an onComplete hook too, which starts the hook (see dsl/hooks.ts).
  if (workflow.timeoutMs !== undefined || workflow.hooks?.onComplete) return null;
  const parsed = workflow.outputSchema.safeParse(output);
  if (!parsed.success) return null;
  let encoded: ReturnType<typeof encodeValue>;
  try {
    encoded = encodeValue(parsed.data, "output");
  } catch {
    return null;
  }
  return {
    events: [pendingEvent(deps, run, "workflow.completed", { output: encoded }, now)],
    run: { status: "COMPLETED", output: encoded, completedAt: now, currentGroup: groupIndex },
    ...(skipped ? { skipped } : {}),
  };
}

/**
 * Moves a run past a group that a completion closed without a prepared close: starts the next
 * group or completes (or fails) the run. Does nothing unless the run is still `RUNNING` at a
 * completed group. Returns the run as it left it.
 */
export async function finishClosedGroup(
  deps: KernelDeps,
  runId: string,
): Promise<RunRecord | null> {
  return inTransaction(deps, async (uow) => {
    const run = await uow.tx.getRun(runId, { forUpdate: true });
    if (run?.status !== "RUNNING") return run;
    // Without the run's definition nothing moves; a worker that has it will.
    const workflow = deps.registry.getDefinition(run);
    if (!workflow) return run;
    const records = (await uow.tx.listStages(runId)).filter(
      (r) => r.groupIndex === run.currentGroup,
    );
    if (groupState(workflow, run.currentGroup, records) !== "completed") return run;
    const { patch } = await advancePastGroup(deps, uow, run, workflow, run.currentGroup, records);
    return commitRun(uow, run, patch);
  });
}
