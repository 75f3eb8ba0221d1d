/**
 * Choosing how progress is shown: live on a terminal, plain lines otherwise, nothing with
 * `--quiet` or `--json`.
 */
import type { GlobalOptions } from "../cli/options.js";
import type { CliIo } from "../io.js";
import type { ProgressTracker } from "../progress/tracker.js";
import { type LiveOptions, LiveRenderer } from "./live.js";
import { PlainRenderer } from "./plain.js";
import type { Printer } from "./printer.js";

/** Shows progress between `start()` and `stop()`. */
export interface ProgressRenderer {
  readonly kind: "live" | "plain" | "none";
  start(): void;
  stop(): void;
}

/** Which kind of progress output suits `printer`'s stream. */
export function progressKind(
  printer: Printer,
  io: CliIo,
  globals: GlobalOptions,
): ProgressRenderer["kind"] {
  if (globals.quiet || globals.json) return "none";
  const terminal = printer.stream.isTTY === true && io.env.TERM !== "dumb" && !io.env.CI;
  return terminal ? "live" : "plain";
}

/** A renderer of the given kind over `tracker`. */
export function createRenderer(
  kind: ProgressRenderer["kind"],
  printer: Printer,
  tracker: ProgressTracker,
  live: LiveOptions = {},
): ProgressRenderer {
  if (kind === "live") {
    const renderer = new LiveRenderer(printer.stream, tracker, printer.style, live);
    return { kind, start: () => renderer.start(), stop: () => renderer.stop() };
  }
  if (kind === "plain") {
    const renderer = new PlainRenderer(printer, tracker);
    return { kind, start: () => renderer.start(), stop: () => renderer.stop() };
  }
  return { kind, start: () => {}, stop: () => {} };
}
