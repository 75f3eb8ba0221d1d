/**
 * Event sink port: where `outbox.flush` publishes events.
 *
 * Implementing it: deliver the event (to a message bus, a webhook, an SSE hub…) and resolve
 * once it is accepted; reject to have it retried later. Delivery is at least once: an event
 * may be delivered again after a crash, so consumers deduplicate on `event.id`. Events of one
 * run are delivered in `sequence` order; a failing event delays only its own run's later
 * events, never other runs'.
 */
import type { JsonObject } from "../records.js";

/** An event as published to the sink. */
export interface WorkflowEvent {
  /** Unique id; use it to deduplicate. */
  id: string;
  /** Event name, e.g. `workflow.completed` or `workflow.step.failed`. */
  type: string;
  workflowRunId: string;
  /** Per-run sequence, starting at 1, without gaps. */
  sequence: number;
  occurredAt: Date;
  payload: JsonObject;
}

/** Receives published events. */
export interface EventSink {
  emit(event: WorkflowEvent): Promise<void>;
}
