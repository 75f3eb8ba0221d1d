/**
 * A child run's end reaches its parent through the outbox: the end's event (written in the
 * same commit as the end, naming the parent) is delivered to the parent as the signal
 * `child:<child run id>` before it is published — idempotently (the signal's id is the child's),
 * and retried with the event when it fails. A parent that has ended takes nothing.
 */
import type { OutboxRecord, StoredError } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { inTransaction, RUN_END_EVENTS } from "../tx/unit-of-work.js";
import { childSignalName } from "./correlation.js";
import { deliverSignal } from "./deliver.js";
import { countMapItem, itemOf, parseMapChildId } from "./map-children.js";
import { resumeWaitingStage } from "./resume.js";

/** Delivers `event` to the parent it names, when it is a child run's end; else does nothing. */
export async function notifyParent(deps: KernelDeps, event: OutboxRecord): Promise<void> {
  const parentRunId = event.payload.parentRunId;
  if (typeof parentRunId !== "string" || !RUN_END_EVENTS.has(event.type)) return;
  const payload = event.payload;
  const status =
    event.type === "workflow.completed"
      ? "COMPLETED"
      : event.type === "workflow.cancelled"
        ? "CANCELLED"
        : payload.status === "TIMED_OUT"
          ? "TIMED_OUT"
          : "FAILED";
  const error: StoredError | undefined =
    status === "CANCELLED"
      ? { code: "CANCELLED", message: String(payload.reason ?? "cancelled") }
      : status === "COMPLETED"
        ? undefined
        : (payload.error as unknown as StoredError | undefined);
  if (parseMapChildId(event.runId)) {
    const resumable = await countMapItem(
      deps,
      parentRunId,
      event.runId,
      itemOf(event.runId, status, error),
    );
    if (resumable) await resumeQuietly(deps, parentRunId, resumable);
    return;
  }
  const delivery = await inTransaction(deps, (uow) =>
    deliverSignal(uow, deps, {
      id: `child-end:${event.runId}`,
      runId: parentRunId,
      name: childSignalName(event.runId),
      matchKey: null,
      payload: {
        kind: "child",
        childRunId: event.runId,
        status,
        ...(status === "COMPLETED" ? { output: payload.output ?? null } : {}),
        ...(error ? { error: { code: error.code, message: error.message } } : {}),
      },
    }),
  );
  if (delivery.status === "delivered")
    await resumeQuietly(deps, delivery.runId, delivery.stageRecordId);
}

/** Resumes a stage now; a failure is left to the resume entry scheduled with its resolution. */
async function resumeQuietly(
  deps: KernelDeps,
  runId: string,
  stageRecordId: string,
): Promise<void> {
  try {
    await resumeWaitingStage(deps, runId, stageRecordId);
  } catch {
    // The resume entry scheduled with the resolution resumes it instead.
  }
}
