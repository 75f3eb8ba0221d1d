/**
 * Where the host's warnings go: straight to stderr, or — while a live view owns the terminal —
 * held back and printed once it stopped, so they do not tear the frame.
 */
import type { HostLogger } from "@ratchet/host-node";
import type { Printer } from "../render/printer.js";

/** A host logger, and `flush()` to print what was held back. */
export interface CliLogger {
  logger: HostLogger;
  flush(): void;
}

function describe(details: unknown): string {
  if (details === undefined || details === "") return "";
  if (details instanceof Error) return `: ${details.message}`;
  return `: ${typeof details === "string" ? details : JSON.stringify(details)}`;
}

/** Logs to `err`; when `holdBack` is true, only on `flush()`. */
export function createCliLogger(err: Printer, holdBack: boolean): CliLogger {
  const held: string[] = [];
  const write = (line: string) => (holdBack ? held.push(line) : err.line(line));
  return {
    logger: {
      warn: (message, details) =>
        write(`${err.style.yellow("warn")}: ${message}${describe(details)}`),
      error: (message, details) =>
        write(`${err.style.red("error")}: ${message}${describe(details)}`),
    },
    flush() {
      for (const line of held.splice(0)) err.line(line);
    },
  };
}
