/**
 * The `custom-event-wrong` invariant (`ctx.emit`, see `internal/stage/emit.ts`), read from a
 * run's outbox: the events of an attempt are written in the commit of its completion, so
 *
 * - every `workflow.custom` event is followed at once (next sequence number) by the
 *   `workflow.step.completed` of the same stage and attempt — an event of an attempt that
 *   failed, crashed or lost its lease has no such completion and is caught;
 * - every `workflow.step.completed` of a stage that emits one event per attempt (the
 *   simulator's tasks, which declare `events`) comes right after that event: one per
 *   committed attempt, never zero.
 */
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { OutboxRow } from "../../in-memory/store.js";
import type { RunRecord } from "../../records.js";
import type { InvariantViolation } from "./violations.js";

const wrong = (run: RunRecord, detail: string): InvariantViolation => ({
  invariant: "custom-event-wrong",
  detail: `run ${run.id}: ${detail}`,
});

/** The `custom-event-wrong` violation of `run`, if any (`outbox`: the run's rows). */
export function checkCustomEvents(
  run: RunRecord,
  workflow: AnyWorkflow | undefined,
  outbox: readonly OutboxRow[],
): InvariantViolation | null {
  if (!workflow?.groups.some((g) => g.some((s) => s.events !== undefined))) return null;
  const bySequence = new Map(outbox.map((row) => [row.sequence, row]));
  for (const row of outbox) {
    const { stageId, attempt } = row.payload as { stageId?: unknown; attempt?: unknown };
    if (row.type === "workflow.custom") {
      const next = bySequence.get(row.sequence + 1);
      const nextPayload = next?.payload as { stageId?: unknown; attempt?: unknown } | undefined;
      if (
        next?.type !== "workflow.step.completed" ||
        nextPayload?.stageId !== stageId ||
        nextPayload?.attempt !== attempt
      )
        return wrong(
          run,
          `workflow.custom #${row.sequence} of ${String(stageId)} attempt ${String(attempt)} is not followed by that attempt's completion (next: ${next?.type ?? "nothing"})`,
        );
    } else if (
      row.type === "workflow.step.completed" &&
      typeof stageId === "string" &&
      workflow.getStage(stageId)?.stage.events !== undefined
    ) {
      const before = bySequence.get(row.sequence - 1);
      if (
        before?.type !== "workflow.custom" ||
        (before.payload as { attempt?: unknown }).attempt !== attempt
      )
        return wrong(
          run,
          `${stageId} attempt ${String(attempt)} completed (#${row.sequence}) without its custom event`,
        );
    }
  }
  return null;
}
