/** An event sink that keeps what it receives, for assertions, and can be told to fail. */
import { RatchetError } from "../errors.js";
import { cloneJson } from "../in-memory/copy.js";
import type { EventSink, WorkflowEvent } from "../ports/event-sink.js";

/** Decides whether an emit should fail; see {@link CollectingEventSink.failWhen}. */
export type EmitFailurePredicate = (event: WorkflowEvent) => boolean;

/**
 * An {@link EventSink} that records every event it accepts (as a copy), in order.
 *
 * @example
 * ```ts
 * const sink = new CollectingEventSink();
 * sink.failWhen((e) => e.workflowRunId === "run-1"); // run-1's events are rejected
 * // … flush the outbox …
 * expect(sink.forRun("run-2").map((e) => e.type)).toEqual(["workflow.created", "workflow.started"]);
 * ```
 */
export class CollectingEventSink implements EventSink {
  /** Accepted events, in the order they were emitted. */
  readonly events: WorkflowEvent[] = [];
  /** How many emits were rejected by {@link CollectingEventSink.failWhen}. */
  rejected = 0;
  private shouldFail: EmitFailurePredicate | null = null;

  /** Records the event, or rejects it when the failure predicate matches. */
  async emit(event: WorkflowEvent): Promise<void> {
    if (this.shouldFail?.(event)) {
      this.rejected += 1;
      throw new RatchetError(
        "EVENT_SINK_REJECTED",
        `[ratchet] [collecting-event-sink] rejected ${event.type} #${event.sequence} of run ${event.workflowRunId} (failWhen)`,
        { workflowRunId: event.workflowRunId },
      );
    }
    this.events.push({
      id: event.id,
      type: event.type,
      workflowRunId: event.workflowRunId,
      sequence: event.sequence,
      occurredAt: new Date(event.occurredAt.getTime()),
      payload: cloneJson(event.payload),
    });
  }

  /** Accepted events of one type. */
  byType(type: string): WorkflowEvent[] {
    return this.events.filter((event) => event.type === type);
  }

  /** Accepted events of one run, in emit order. */
  forRun(runId: string): WorkflowEvent[] {
    return this.events.filter((event) => event.workflowRunId === runId);
  }

  /** Forgets the accepted events and the rejection count. */
  clear(): void {
    this.events.length = 0;
    this.rejected = 0;
  }

  /** Makes emits of matching events reject (they are not recorded); `null` stops failing. */
  failWhen(predicate: EmitFailurePredicate | null): void {
    this.shouldFail = predicate;
  }
}
