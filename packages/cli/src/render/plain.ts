/**
 * Plain progress output: one line per step forward of a run or a stage, for logs, pipes and
 * CI (no cursor movement, colours only if asked for).
 */
import type { ProgressTracker } from "../progress/tracker.js";
import {
  type ProgressChange,
  type RunView,
  runElapsedMs,
  type StageView,
  stageElapsedMs,
} from "../progress/view.js";
import { errorText, formatDuration, phaseSymbol, runSymbol } from "./format.js";
import type { Printer } from "./printer.js";
import { padEnd, type Style } from "./style.js";

/** Column widths of plain lines. */
export interface PlainLayout {
  labelWidth: number;
  stageWidth: number;
}

function stageLine(stage: StageView, style: Style): string {
  const symbol = phaseSymbol(stage.phase, style);
  switch (stage.phase) {
    case "running":
      return `${symbol} started${stage.attempt > 1 ? ` (attempt ${stage.attempt})` : ""}`;
    case "retrying":
      return `${symbol} attempt ${stage.attempt} failed: ${errorText(stage.error)}; retrying`;
    case "suspended":
      return `${symbol} suspended, ${stage.message ?? "waiting"}`;
    case "completed": {
      const attempts = stage.attempt > 1 ? ` after ${stage.attempt} attempts` : "";
      return `${symbol} ${completedIn(stageElapsedMs(stage, Date.now()))}${attempts}`;
    }
    case "failed":
      return `${symbol} failed: ${errorText(stage.error)}`;
    case "cancelled":
      return `${symbol} cancelled`;
    case "skipped":
      return `${symbol} skipped (a choice went elsewhere)`;
    default:
      return `${symbol} pending`;
  }
}

function runLine(run: RunView, style: Style): string {
  const symbol = runSymbol(run.status, style, "▸");
  switch (run.status) {
    case "RUNNING":
      return `${symbol} run ${run.runId} started${run.workflowId ? ` (${run.workflowId})` : ""}`;
    case "COMPLETED":
      return `${symbol} run ${completedIn(runElapsedMs(run, Date.now()))}`;
    case "FAILED":
      return `${symbol} run failed: ${errorText(run.error)}`;
    case "CANCELLED":
      return `${symbol} run cancelled`;
    case "TIMED_OUT":
      return `${symbol} run timed out: ${errorText(run.error)}`;
    case "COMPENSATING":
      return `${symbol} run compensating after: ${errorText(run.error)}`;
    case "COMPENSATED":
      return `${symbol} run compensated after: ${errorText(run.error)}`;
    case "COMPENSATION_FAILED":
      return `${symbol} run compensation failed after: ${errorText(run.error)}`;
    default:
      return `${symbol} run ${run.runId} created`;
  }
}

/** The plain line for one change. */
export function formatChange(
  change: ProgressChange,
  run: RunView,
  layout: PlainLayout,
  style: Style,
): string {
  const label = padEnd(run.label, layout.labelWidth);
  if (change.kind === "run")
    return `${label}  ${padEnd("", layout.stageWidth)}  ${runLine(run, style)}`;
  const stage = run.stages.find((s) => s.stageId === change.stageId);
  const text = stage ? stageLine(stage, style) : "";
  return `${label}  ${padEnd(change.stageId, layout.stageWidth)}  ${text}`;
}

/** Prints one line per change until stopped. */
export class PlainRenderer {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly printer: Printer,
    private readonly tracker: ProgressTracker,
  ) {}

  /** Starts printing changes. */
  start(): void {
    this.unsubscribe ??= this.tracker.onChange((change, run) => {
      this.printer.line(formatChange(change, run, this.layout(), this.printer.style));
    });
  }

  /** Stops printing. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private layout(): PlainLayout {
    const runs = this.tracker.list();
    return {
      labelWidth: Math.max(0, ...runs.map((r) => r.label.length)),
      stageWidth: Math.max(3, ...runs.flatMap((r) => r.stages.map((s) => s.stageId.length))),
    };
  }
}

/**
 * "completed in 1.20 s", or just "completed" when the start was not seen (a worker that picked
 * the run up midway has no start time to measure from).
 */
function completedIn(elapsedMs: number | undefined): string {
  const duration = formatDuration(elapsedMs);
  return duration === "" ? "completed" : `completed in ${duration}`;
}
