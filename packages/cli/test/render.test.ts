/** Progress output: plain lines for pipes, a live redrawn view for terminals, chosen by stream. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ProgressTracker } from "../src/progress/tracker.js";
import { renderFrame } from "../src/render/frame.js";
import { LiveRenderer } from "../src/render/live.js";
import { PlainRenderer } from "../src/render/plain.js";
import { createPrinter } from "../src/render/printer.js";
import { createRenderer, progressKind } from "../src/render/renderer.js";
import { createStyle, stripAnsi } from "../src/render/style.js";
import { FakeStream, fakeIo } from "./support/fake-stream.js";
import { at, event } from "./support/records.js";

const STAGES = ["fetch", "extract-text", "embed", "publish"];

function startedRun(tracker: ProgressTracker, runId = "run-1", label = "durable-workflows") {
  tracker.track(runId, { label, workflowId: "document-pipeline", stageIds: STAGES });
  tracker.applyEvent(event(runId, "workflow.started", {}, 0));
  tracker.applyEvent(event(runId, "workflow.step.started", { stageId: "fetch", attempt: 1 }, 0));
}

function finishRun(tracker: ProgressTracker, runId = "run-1") {
  tracker.applyEvent(
    event(
      runId,
      "workflow.step.retry",
      { stageId: "fetch", attempt: 1, error: { code: "STAGE_ERROR", message: "503" } },
      100,
    ),
  );
  tracker.applyEvent(
    event(runId, "workflow.step.completed", { stageId: "fetch", attempt: 2, durationMs: 50 }, 450),
  );
  tracker.applyEvent(
    event(
      runId,
      "workflow.step.completed",
      { stageId: "extract-text", attempt: 1, durationMs: 120 },
      600,
    ),
  );
  tracker.applyEvent(
    event(runId, "workflow.step.suspended", { stageId: "embed", attempt: 1 }, 650),
  );
  tracker.applyEvent(
    event(
      runId,
      "workflow.step.failed",
      {
        stageId: "embed",
        attempt: 1,
        error: { code: "SUSPEND_TIMEOUT", message: "[ratchet] too slow" },
      },
      2_650,
    ),
  );
  tracker.applyEvent(
    event(
      runId,
      "workflow.failed",
      { error: { code: "SUSPEND_TIMEOUT", message: "too slow", stageId: "embed" } },
      2_660,
    ),
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe("plain output", () => {
  it("prints one line per step, aligned, without colours or cursor movement", () => {
    const stream = new FakeStream(false);
    const tracker = new ProgressTracker();
    const renderer = new PlainRenderer(createPrinter(stream, false), tracker);
    renderer.start();
    startedRun(tracker);
    finishRun(tracker);
    renderer.stop();
    tracker.applyEvent(event("run-1", "workflow.cancelled", {}));

    const lines = stream.text.trimEnd().split("\n");
    expect(lines).toEqual([
      "durable-workflows                ▸ run run-1 started (document-pipeline)",
      "durable-workflows  fetch         … started",
      "durable-workflows  fetch         ↻ attempt 1 failed: [STAGE_ERROR] 503; retrying",
      "durable-workflows  fetch         ✓ completed in 450 ms after 2 attempts",
      "durable-workflows  extract-text  ✓ completed in 120 ms",
      "durable-workflows  embed         … suspended, waiting for its async batch",
      "durable-workflows  embed         ✗ failed: [SUSPEND_TIMEOUT] too slow",
      "durable-workflows                ✗ run failed: [SUSPEND_TIMEOUT] too slow",
    ]);
    expect(stream.text).not.toContain("\u001b");
  });

  it("says a run completed without a duration when its start was never seen", () => {
    const stream = new FakeStream(false);
    // A worker's tracker: it meets runs through their events, here only the last one.
    const tracker = new ProgressTracker({ autoTrack: true });
    const renderer = new PlainRenderer(createPrinter(stream, false), tracker);
    renderer.start();
    tracker.applyEvent(event("run-2", "workflow.completed", { output: {} }, 900));
    renderer.stop();

    expect(stream.text).toMatch(/✓ run completed$/m);
    expect(stream.text).not.toContain("completed in");
  });
});

describe("live output", () => {
  it("redraws the frame in place: cursor up over the last frame, clear, draw", () => {
    vi.useFakeTimers({ now: at(0) });
    const stream = new FakeStream(true, 100, 40);
    const tracker = new ProgressTracker();
    startedRun(tracker);
    const renderer = new LiveRenderer(stream, tracker, createStyle(false), {
      intervalMs: 100,
      footer: () => ["", "0/1 runs done"],
    });
    renderer.start();
    const first = stream.chunks[0] ?? "";
    expect(first.startsWith("\r\u001b[0J")).toBe(true);
    expect(first.split("\n").length - 1).toBe(1 + STAGES.length + 2);

    vi.advanceTimersByTime(250);
    expect(stream.chunks).toHaveLength(3);
    expect(stream.chunks[1]?.startsWith(`\u001b[${1 + STAGES.length + 2}A\r\u001b[0J`)).toBe(true);
    expect(stream.chunks[2]).toContain("fetch");
    expect(stream.chunks[2]).toContain("… fetch         200 ms"); // the running stage's time ticks

    finishRun(tracker);
    renderer.stop();
    const last = stream.chunks.at(-1) ?? "";
    expect(last).toContain("✗ durable-workflows  FAILED");
    expect(last).toMatch(/✓ fetch\s+450 ms\s+2 attempts/);
    expect(last).toMatch(/✓ extract-text\s+120 ms/);
    expect(last).toMatch(/✗ embed\s+2\.00 s\s+\[SUSPEND_TIMEOUT\] too slow/);
    expect(last).toMatch(/· publish$/m);
    vi.advanceTimersByTime(1_000);
    expect(stream.chunks.at(-1)).toBe(last); // stopped: no more frames
  });

  it("fits the terminal: lines cut to its width, one line per run when too tall", () => {
    const style = createStyle(false);
    const tracker = new ProgressTracker();
    for (let i = 0; i < 6; i++) startedRun(tracker, `run-${i}`, `document-${i}`);
    const options = { now: at(1_000).getTime(), style, spinner: "⠋", columns: 30, rows: 10 };
    const lines = renderFrame(tracker.list(), options);
    expect(lines).toHaveLength(6);
    expect(lines.every((line) => [...line].length <= 29)).toBe(true);
    expect(lines[0]).toMatch(/^⠋ document-0 {2}RUNNING/);

    const tall = renderFrame(tracker.list(), { ...options, columns: 120, rows: 100 });
    expect(tall).toHaveLength(6 * (1 + STAGES.length));
  });

  it("colours symbols only when colours are on", () => {
    const tracker = new ProgressTracker();
    startedRun(tracker);
    finishRun(tracker);
    const options = { now: 0, spinner: "⠋", columns: 120, rows: 40 };
    const coloured = renderFrame(tracker.list(), { ...options, style: createStyle(true) });
    const uncoloured = renderFrame(tracker.list(), { ...options, style: createStyle(false) });
    expect(coloured.join("\n")).toContain("\u001b[32m✓\u001b[39m");
    expect(uncoloured.join("\n")).not.toContain("\u001b");
    expect(coloured.map(stripAnsi)).toEqual(uncoloured);
  });
});

describe("choosing the output", () => {
  const globals = { databaseUrl: undefined, json: false, quiet: false, noColor: false };

  it("is live on a terminal, plain on a pipe, in CI or on a dumb terminal, none with --quiet/--json", () => {
    const tty = createPrinter(new FakeStream(true), false);
    const pipe = createPrinter(new FakeStream(false), false);
    expect(progressKind(tty, fakeIo(), globals)).toBe("live");
    expect(progressKind(pipe, fakeIo(), globals)).toBe("plain");
    expect(progressKind(tty, fakeIo({ env: { CI: "true" } }), globals)).toBe("plain");
    expect(progressKind(tty, fakeIo({ env: { TERM: "dumb" } }), globals)).toBe("plain");
    expect(progressKind(tty, fakeIo(), { ...globals, quiet: true })).toBe("none");
    expect(progressKind(tty, fakeIo(), { ...globals, json: true })).toBe("none");
  });

  it("creates a renderer that prints nothing for `none`", () => {
    const stream = new FakeStream(false);
    const tracker = new ProgressTracker();
    const renderer = createRenderer("none", createPrinter(stream, false), tracker);
    renderer.start();
    startedRun(tracker);
    renderer.stop();
    expect(stream.text).toBe("");
  });
});
