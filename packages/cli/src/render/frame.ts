/**
 * One frame of the live view: each run with its stages (✓ done, … running or waiting, ↻
 * retrying, ✗ failed, · not started) and durations; one line per run when that does not fit.
 */
import { type RunView, runElapsedMs, type StageView, stageElapsedMs } from "../progress/view.js";
import { errorText, formatDuration, phaseSymbol, runSymbol, statusText } from "./format.js";
import { padEnd, type Style, truncate } from "./style.js";

/** What a frame is drawn for. */
export interface FrameOptions {
  now: number;
  style: Style;
  /** Terminal width (lines are cut to fit). */
  columns: number;
  /** Terminal height (the frame switches to one line per run beyond it). */
  rows: number;
  /** The spinner character of this frame. */
  spinner: string;
  /** Lines drawn under the runs (e.g. a summary). */
  footer?: readonly string[];
}

/** Spinner characters, one per frame. */
export const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] as const;

function stageNote(stage: StageView, style: Style): string {
  switch (stage.phase) {
    case "running":
    case "suspended":
      return style.dim(stage.message ?? "");
    case "retrying":
      return style.yellow(`attempt ${stage.attempt} failed, retrying: ${errorText(stage.error)}`);
    case "failed":
      return style.red(errorText(stage.error));
    case "completed":
      return stage.attempt > 1 ? style.dim(`${stage.attempt} attempts`) : "";
    default:
      return "";
  }
}

function runHeader(run: RunView, options: FrameOptions, labelWidth: number): string {
  const { style } = options;
  const symbol = runSymbol(run.status, style, options.spinner);
  const elapsed = formatDuration(runElapsedMs(run, options.now));
  const error = run.status === "FAILED" ? `  ${style.red(errorText(run.error))}` : "";
  return `${symbol} ${style.bold(padEnd(run.label, labelWidth))}  ${padEnd(statusText(run.status, style), 9)}  ${elapsed}${error}`;
}

function fullLines(runs: readonly RunView[], options: FrameOptions): string[] {
  const labelWidth = Math.max(0, ...runs.map((r) => r.label.length));
  const stageWidth = Math.max(0, ...runs.flatMap((r) => r.stages.map((s) => s.stageId.length)));
  const lines: string[] = [];
  for (const run of runs) {
    lines.push(runHeader(run, options, labelWidth));
    for (const stage of run.stages) {
      const elapsed = formatDuration(stageElapsedMs(stage, options.now));
      lines.push(
        `    ${phaseSymbol(stage.phase, options.style)} ${padEnd(stage.stageId, stageWidth)}  ${padEnd(elapsed, 9)} ${stageNote(stage, options.style)}`.trimEnd(),
      );
    }
  }
  return lines;
}

function compactLines(runs: readonly RunView[], options: FrameOptions): string[] {
  const labelWidth = Math.max(0, ...runs.map((r) => r.label.length));
  return runs.map((run) => {
    const icons = run.stages.map((s) => phaseSymbol(s.phase, options.style)).join("");
    const current = run.stages.find((s) => s.phase !== "completed" && s.phase !== "pending");
    const note = current ? `${current.stageId} ${stageNote(current, options.style)}` : "";
    return `${runHeader(run, options, labelWidth)}  ${icons}  ${note}`.trimEnd();
  });
}

/** The lines of one frame, each cut to the terminal's width. */
export function renderFrame(runs: readonly RunView[], options: FrameOptions): string[] {
  const footer = options.footer ?? [];
  let lines = fullLines(runs, options);
  if (lines.length + footer.length > Math.max(1, options.rows - 1))
    lines = compactLines(runs, options);
  return [...lines, ...footer].map((line) => truncate(line, Math.max(10, options.columns - 1)));
}
