/**
 * How an error ends the CLI: its exit code, and what is printed —
 * `error [CODE]: message (field: …)` plus a hint line, or one JSON object with `--json`.
 */
import { RatchetError } from "@ratchet/kernel";
import type { Style } from "../render/style.js";
import { DatabaseUnreachableError, UsageError } from "./errors.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";

/** The exit code an error ends the CLI with. */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof UsageError) return ExitCode.USAGE;
  if (error instanceof DatabaseUnreachableError) return ExitCode.DATABASE_UNREACHABLE;
  return ExitCode.FAILURE;
}

/** Drops the `[ratchet] [package]` tags adapters prefix their messages with. */
export function plainMessage(message: string): string {
  return message.replace(/^(\[[a-z-]+\]\s*)+/i, "");
}

const CONTEXT_LABELS = [
  ["field", "field"],
  ["workflowId", "workflow"],
  ["workflowRunId", "run"],
  ["stageId", "stage"],
  ["jobId", "job"],
] as const;

function hintOf(error: unknown): string | undefined {
  if (error instanceof UsageError || error instanceof DatabaseUnreachableError) return error.hint;
  if (error instanceof RatchetError && error.code === "DEFINITION_UNAVAILABLE") {
    // Commands that rebuild a run (retry, rerun, runs migrate) need its definition here too.
    return "pass --workflows with the module your workers register (the run's workflow version must be in it)";
  }
  return undefined;
}

/** The lines printed for an error (no trailing newline). */
export function formatError(error: unknown, style: Style): string {
  if (!(error instanceof RatchetError)) {
    const message = error instanceof Error ? error.message : String(error);
    return `${style.red("error")}: ${message}`;
  }
  const context = CONTEXT_LABELS.filter(([key]) => error[key] !== undefined)
    .map(([key, label]) => `${label}: ${error[key]}`)
    .join(", ");
  const lines = [
    `${style.red("error")} [${style.bold(error.code)}]: ${plainMessage(error.message)}${context ? ` (${context})` : ""}`,
  ];
  const hint = hintOf(error);
  if (hint !== undefined) lines.push(`${style.dim("hint:")} ${hint}`);
  return lines.join("\n");
}

/** The JSON object printed for an error with `--json`. */
export function errorJson(error: unknown): { error: Record<string, unknown> } {
  if (error instanceof RatchetError)
    return { error: { ...error.toJSON(), message: plainMessage(error.message) } };
  return {
    error: { code: "UNEXPECTED", message: error instanceof Error ? error.message : String(error) },
  };
}
