import { describe, expect, it } from "vitest";
import { RatchetError } from "../../src/errors.js";
import type { WorkflowEvent } from "../../src/ports/event-sink.js";
import { CollectingEventSink } from "../../src/testing/collecting-event-sink.js";

function event(workflowRunId: string, sequence: number, type: string): WorkflowEvent {
  return {
    id: `${workflowRunId}-${sequence}`,
    type,
    workflowRunId,
    sequence,
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, sequence)),
    payload: { workflowId: "wf", nested: { list: [1, 2] } },
  };
}

describe("CollectingEventSink", () => {
  it("records emitted events in order", async () => {
    const sink = new CollectingEventSink();
    const events = [
      event("r1", 1, "workflow.created"),
      event("r2", 1, "workflow.created"),
      event("r1", 2, "workflow.started"),
    ];
    for (const e of events) await sink.emit(e);
    expect(sink.events).toEqual(events);
  });

  it("filters by type and by run", async () => {
    const sink = new CollectingEventSink();
    await sink.emit(event("r1", 1, "workflow.created"));
    await sink.emit(event("r2", 1, "workflow.created"));
    await sink.emit(event("r1", 2, "workflow.completed"));
    expect(sink.byType("workflow.created").map((e) => e.workflowRunId)).toEqual(["r1", "r2"]);
    expect(sink.forRun("r1").map((e) => e.type)).toEqual([
      "workflow.created",
      "workflow.completed",
    ]);
    expect(sink.forRun("missing")).toEqual([]);
  });

  it("keeps copies, so mutating the emitted event changes nothing recorded", async () => {
    const sink = new CollectingEventSink();
    const e = event("r1", 1, "workflow.created");
    await sink.emit(e);
    (e.payload.nested as { list: number[] }).list.push(3);
    e.occurredAt.setTime(0);
    expect(sink.events[0]?.payload).toEqual({ workflowId: "wf", nested: { list: [1, 2] } });
    expect(sink.events[0]?.occurredAt.getTime()).toBe(Date.UTC(2026, 0, 1, 0, 0, 1));
  });

  it("failWhen makes matching emits reject without recording them, until reset with null", async () => {
    const sink = new CollectingEventSink();
    sink.failWhen((e) => e.workflowRunId === "stuck");
    await expect(sink.emit(event("stuck", 1, "workflow.created"))).rejects.toBeInstanceOf(
      RatchetError,
    );
    await sink.emit(event("healthy", 1, "workflow.created"));
    expect(sink.events.map((e) => e.workflowRunId)).toEqual(["healthy"]);
    expect(sink.rejected).toBe(1);

    sink.failWhen(null);
    await sink.emit(event("stuck", 1, "workflow.created"));
    expect(sink.forRun("stuck")).toHaveLength(1);
  });

  it("clear forgets recorded events and the rejection count", async () => {
    const sink = new CollectingEventSink();
    sink.failWhen((e) => e.sequence === 2);
    await sink.emit(event("r1", 1, "a"));
    await expect(sink.emit(event("r1", 2, "b"))).rejects.toThrow(/rejected b #2 of run r1/);
    sink.clear();
    expect(sink.events).toEqual([]);
    expect(sink.rejected).toBe(0);
  });
});
