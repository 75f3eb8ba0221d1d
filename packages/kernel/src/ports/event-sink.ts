/**
 * Event sink port: where `outbox.flush` publishes events.
 *
 * Implementing it: deliver the event (to a message bus, a webhook, an SSE hub…) and resolve
 * once it is accepted; reject to have it retried later. Delivery is at least once: an event
 * may be delivered again after a crash, so consumers deduplicate on `event.id`. Events of one
 * run are delivered in `sequence` order; a failing event delays only its own run's later
 * events, never other runs'.
 *
 * Live notices (optional {@link EventSink.live}): `job.execute` tells the sink that a stage
 * attempt started the moment it starts, without writing anything (no commit per stage), so
 * the notice is at most once and best effort. The same `workflow.step.started` is still
 * written to the outbox and published in sequence after the attempt settles, with the same
 * `id`: a consumer that deduplicates on `id` sees it once, early when the notice arrived.
 * See docs/adr/0005-live-step-started.md.
 */
import type { JsonObject } from "../records.js";

/** An event as published to the sink. */
export interface WorkflowEvent {
  /** Unique id; use it to deduplicate. */
  id: string;
  /** Event name, e.g. `workflow.completed` or `workflow.step.failed`. */
  type: string;
  workflowRunId: string;
  /**
   * Per-run sequence, starting at 1, without gaps. `0` on a live notice ({@link EventSink.live}):
   * it is out of sequence; the durable copy with the same `id` carries the real one.
   */
  sequence: number;
  occurredAt: Date;
  payload: JsonObject;
}

/** Receives published events. */
export interface EventSink {
  emit(event: WorkflowEvent): Promise<void>;
  /**
   * Optional: receives live notices — today `workflow.step.started`, when an attempt starts —
   * at most once, best effort (`sequence` 0; a crash or a failure loses it, a rejection is
   * ignored and never retried). The kernel does not wait for it: the stage runs meanwhile.
   * The durable event with the same `id` follows through {@link EventSink.emit}.
   */
  live?(event: WorkflowEvent): Promise<void>;
}
