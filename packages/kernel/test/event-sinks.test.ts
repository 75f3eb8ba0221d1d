import { describe, expect, it } from "vitest";
import { discardEvents, formatEventLine, logEvents, type WorkflowEvent } from "../src/index.js";

const event: WorkflowEvent = {
  id: "evt-1",
  type: "workflow.started",
  workflowRunId: "run-1",
  sequence: 2,
  occurredAt: new Date(0),
  payload: { n: 1 },
};

describe("ready-made event sinks", () => {
  it("discardEvents accepts every event", async () => {
    await expect(discardEvents.emit(event)).resolves.toBeUndefined();
  });

  it("logEvents writes one line per event", async () => {
    const lines: string[] = [];
    const sink = logEvents((line) => lines.push(line));
    await sink.emit(event);
    await sink.emit({ ...event, sequence: 3, type: "workflow.completed", payload: {} });
    expect(lines).toEqual(['run-1 #2 workflow.started {"n":1}', "run-1 #3 workflow.completed {}"]);
    expect(formatEventLine(event)).toBe(lines[0]);
  });
});
