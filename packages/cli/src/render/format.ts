/**
 * Small formatting helpers shared by every kind of output: durations, phase symbols and
 * colours, errors.
 */
import type { RunStatus } from "@ratchet/kernel";
import { plainMessage } from "../cli/report-error.js";
import type { ShownError, StagePhase } from "../progress/view.js";
import type { Style } from "./style.js";

/** `210 ms`, `2.41 s`, `12.3 s`, `2 min 5 s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1_000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1_000)} s`;
}

const PHASE_SYMBOLS: Record<StagePhase, string> = {
  pending: "·",
  running: "…",
  retrying: "↻",
  suspended: "…",
  completed: "✓",
  failed: "✗",
  cancelled: "–",
  skipped: "↷",
};

/** The coloured symbol of a stage phase: ✓ … ✗ ↻ · – ↷ (skipped: a choice went elsewhere). */
export function phaseSymbol(phase: StagePhase, style: Style): string {
  const symbol = PHASE_SYMBOLS[phase];
  switch (phase) {
    case "completed":
      return style.green(symbol);
    case "failed":
      return style.red(symbol);
    case "pending":
    case "cancelled":
    case "skipped":
      return style.dim(symbol);
    default:
      return style.yellow(symbol);
  }
}

/** The coloured symbol of a run status (running runs get `spinner`). */
export function runSymbol(status: RunStatus, style: Style, spinner = "…"): string {
  switch (status) {
    case "COMPLETED":
      return style.green("✓");
    case "FAILED":
    case "TIMED_OUT":
    case "COMPENSATED":
    case "COMPENSATION_FAILED":
      return style.red("✗");
    case "CANCELLED":
      return style.dim("–");
    case "PENDING":
      return style.dim("·");
    default:
      return style.yellow(spinner);
  }
}

/** The coloured name of a run status. */
export function statusText(status: RunStatus, style: Style): string {
  if (status === "COMPLETED") return style.green(status);
  if (
    status === "FAILED" ||
    status === "TIMED_OUT" ||
    status === "COMPENSATED" ||
    status === "COMPENSATION_FAILED"
  )
    return style.red(status);
  if (status === "RUNNING") return style.yellow(status);
  return style.dim(status);
}

/** `[CODE] message` of an error. */
export function errorText(error: ShownError | undefined): string {
  return error ? `[${error.code}] ${plainMessage(error.message)}` : "";
}
