/**
 * The `SKIPPED` records of a choice: when a choice routes the run, the stages of each other
 * group it could have gone to (its other `next`s and its `default`) get a terminal `SKIPPED`
 * record, written in the commit that records the decision. Only the branches' first groups:
 * what lies further down an untaken branch may still be reached by another path. A group that
 * already has records (a loop ran it, or an earlier decision skipped it) is left as it is; a
 * group the run later enters has its records replaced as usual.
 */
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { NewStage, RunRecord, StageRecord } from "../../records.js";

/**
 * The records to create `SKIPPED` when the step of group `groupIndex` — if it is a choice —
 * sends the run to group `to` (`END` included); `undefined` when there are none, which is
 * always the case for groups that are not choices.
 */
export function skippedByChoice(
  deps: { newId: () => string },
  run: Pick<RunRecord, "id">,
  workflow: AnyWorkflow,
  groupIndex: number,
  to: number,
  records: readonly Pick<StageRecord, "groupIndex">[],
  now: Date,
): NewStage[] | undefined {
  const group = workflow.groups[groupIndex];
  const step = group?.length === 1 ? group[0] : undefined;
  if (step?.stepType !== "choice" || step.flow === undefined) return undefined;
  let skipped: NewStage[] | undefined;
  const seen = new Set<number>([groupIndex, to]);
  for (const target of step.flow.routes) {
    const g = workflow.getStage(target)?.groupIndex;
    if (g === undefined || seen.has(g)) continue;
    seen.add(g);
    if (records.some((r) => r.groupIndex === g)) continue;
    for (const stage of workflow.groups[g] ?? []) {
      if (skipped === undefined) skipped = [];
      skipped.push({
        id: deps.newId(),
        runId: run.id,
        stageId: stage.id,
        groupIndex: g,
        createdAt: now,
        status: "SKIPPED",
      });
    }
  }
  return skipped;
}
