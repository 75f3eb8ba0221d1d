/**
 * Two ready-made {@link EventSink}s for getting started: one that drops events and one that
 * writes a line per event. Production hosts publish to a bus, a webhook or an SSE hub instead.
 */
import type { EventSink, WorkflowEvent } from "./ports/event-sink.js";

/**
 * An {@link EventSink} that accepts every event and does nothing with it. Use it when nothing
 * consumes the events yet: they are still written to the outbox, and `outbox.flush` marks them
 * published.
 *
 * @example
 * ```ts
 * const kernel = createKernel({ ...stack, eventSink: discardEvents, registry });
 * ```
 */
export const discardEvents: EventSink = {
  emit: async () => {},
};

/** Formats one event as a single line, e.g. `run-1 #2 workflow.started {}`. */
export function formatEventLine(event: WorkflowEvent): string {
  return `${event.workflowRunId} #${event.sequence} ${event.type} ${JSON.stringify(event.payload)}`;
}

/**
 * An {@link EventSink} that hands each event, as one line ({@link formatEventLine}), to `write`
 * — pass `console.log` to see the events in the terminal. The kernel itself does not touch
 * `console`, so the function is yours to choose.
 *
 * @example
 * ```ts
 * const kernel = createKernel({ ...stack, eventSink: logEvents(console.log), registry });
 * ```
 */
export function logEvents(write: (line: string) => void): EventSink {
  return {
    emit: async (event) => {
      write(formatEventLine(event));
    },
  };
}
