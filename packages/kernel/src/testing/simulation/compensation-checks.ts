/**
 * The `compensation-wrong` invariant: what a run that declares compensations must show, read
 * from its row, its stage records and its outbox (see `dsl/compensation.ts`).
 *
 * - A `FAILED` run (failed by a stage) never has a completed stage that declares a
 *   compensation: such a run compensates instead.
 * - A compensating or compensated run's plan (`control.compensation.order`) is exactly its
 *   completed stages that declare one, newest completion first.
 * - Each stage of the plan has at most one compensation record, and at most one
 *   `workflow.compensation.step.completed` event; those events come in the plan's order, and
 *   a compensation record exists only once the one before it in the plan committed.
 * - `COMPENSATED`: every compensation of the plan committed (record `COMPLETED`, one event).
 *   `COMPENSATION_FAILED`: the plan's compensations committed up to one `FAILED`, none after.
 */
import { compensatedStageId, compensationStageId } from "../../dsl/compensation.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { OutboxRow, StageRow } from "../../in-memory/store.js";
import type { JsonObject, RunRecord } from "../../records.js";
import type { InvariantViolation } from "./violations.js";

const wrong = (run: RunRecord, detail: string): InvariantViolation => ({
  invariant: "compensation-wrong",
  detail: `run ${run.id} (${run.status}): ${detail}`,
});

/** The `compensation-wrong` violation of `run`, if any. */
export function checkCompensation(
  run: RunRecord,
  workflow: AnyWorkflow | undefined,
  stages: readonly StageRow[],
  outbox: readonly OutboxRow[],
): InvariantViolation | null {
  if (!workflow?.groups.some((g) => g.some((s) => s.compensation))) return null;
  const plan = (run.control.compensation as JsonObject | undefined)?.order;
  const compensable = stages.filter(
    (s) =>
      s.status === "COMPLETED" &&
      compensatedStageId(s.stageId) === undefined &&
      workflow.getStage(s.stageId)?.stage.compensation !== undefined,
  );
  if (!Array.isArray(plan)) {
    if (run.status === "FAILED" && run.error?.stageId && compensable.length > 0)
      return wrong(
        run,
        `failed (${run.error.code}) with completed compensable stage(s) ${ids(compensable)}`,
      );
    return null;
  }
  const expected = [...compensable]
    .sort((a, b) => (b.completedAt?.getTime() ?? 0) - (a.completedAt?.getTime() ?? 0))
    .map((s) => s.stageId);
  const order = plan.map(String);
  if ([...order].sort().join() !== [...expected].sort().join())
    return wrong(run, `plan ${order} is not its completed compensable stages ${expected}`);
  const at = (id: string) => compensable.find((s) => s.stageId === id)?.completedAt?.getTime() ?? 0;
  for (let i = 1; i < order.length; i++) {
    if (at(order[i] as string) > at(order[i - 1] as string))
      return wrong(run, `plan ${order} is not newest completion first`);
  }
  const done = outbox
    .filter((e) => e.type === "workflow.compensation.step.completed")
    .sort((a, b) => a.sequence - b.sequence)
    .map((e) => String(e.payload.stageId));
  if (new Set(done).size !== done.length)
    return wrong(run, `a compensation committed twice: ${done}`);
  if (done.join() !== order.slice(0, done.length).join())
    return wrong(run, `compensations committed as ${done}, not in the plan's order ${order}`);
  for (const [i, id] of order.entries()) {
    const records = stages.filter((s) => s.stageId === compensationStageId(id));
    if (records.length > 1) return wrong(run, `${records.length} compensation records of ${id}`);
    const record = records[0];
    if (record && i > done.length) return wrong(run, `${id} compensated before ${order[i - 1]}`);
    if (record?.status === "COMPLETED" && !done.includes(id))
      return wrong(run, `${id}'s compensation completed without its event`);
  }
  if (run.status === "COMPENSATED" && done.length !== order.length)
    return wrong(run, `only ${done} of ${order} were compensated`);
  if (run.status === "COMPENSATION_FAILED") {
    const failed = stages.filter(
      (s) => compensatedStageId(s.stageId) !== undefined && s.status === "FAILED",
    );
    if (
      failed.length !== 1 ||
      failed[0]?.stageId !== compensationStageId(String(order[done.length]))
    )
      return wrong(run, `ended COMPENSATION_FAILED after ${done}, failed: ${ids(failed)}`);
  }
  return null;
}

function ids(stages: readonly StageRow[]): string {
  return stages.map((s) => s.stageId).join(", ");
}
