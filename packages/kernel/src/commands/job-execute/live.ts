/**
 * The live notice of an attempt's start (`EventSink.live`): sent when the attempt starts,
 * without a write, with the id its durable `workflow.step.started` will carry.
 */
import type { KernelDeps } from "../../internal/kernel-deps.js";
import { type AttemptTarget, startedEvent } from "../../internal/stage/outcome.js";

/**
 * Chooses the id of the attempt's `workflow.step.started` and, when the event sink takes live
 * notices, sends it now: not awaited (the stage starts meanwhile), at most once, its failure
 * ignored. `sequence` is 0 (out of sequence); the durable event follows in sequence.
 */
export function announceStarted(deps: KernelDeps, target: AttemptTarget): void {
  const id = deps.newId();
  target.startedEventId = id;
  const sink = deps.eventSink;
  if (sink.live === undefined) return;
  const event = startedEvent(target, deps.newId);
  try {
    const sent = sink.live({
      id,
      type: event.type,
      workflowRunId: target.record.runId,
      sequence: 0,
      occurredAt: event.occurredAt,
      payload: event.payload,
    });
    // Best effort: a rejected notice is dropped (the durable event still follows).
    if (sent && typeof sent.catch === "function") sent.catch(() => undefined);
  } catch {
    // A sink that throws at once loses its notice, never the attempt.
  }
}
