/** The events the host published, kept in order, to look at and to wait for. */
import type { WorkflowEvent } from "@ratchet/kernel";
import { type WaitOptions, waitUntil } from "./wait-until.js";

/** What an event must be: its run, its type, and (optionally) its step. */
export interface EventMatch {
  workflowRunId: string;
  type: string;
  stageId?: string;
}

/** Events in the order they were published. */
export class EventLog {
  /** Every event so far. */
  readonly events: WorkflowEvent[] = [];

  /** Records an event (the event sink calls it). */
  add(event: WorkflowEvent): void {
    this.events.push(event);
  }

  /** Whether an event matching `match` was published. */
  has(match: EventMatch): boolean {
    return this.events.some(
      (e) =>
        e.workflowRunId === match.workflowRunId &&
        e.type === match.type &&
        (match.stageId === undefined || e.payload.stageId === match.stageId),
    );
  }

  /** Waits until an event matching `match` was published. */
  async waitFor(match: EventMatch, options?: WaitOptions): Promise<void> {
    const step = match.stageId ? ` (${match.stageId})` : "";
    await waitUntil(
      `${match.type}${step} of run ${match.workflowRunId}`,
      () => this.has(match) || undefined,
      options,
    );
  }
}
