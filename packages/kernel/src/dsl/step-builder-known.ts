/**
 * The step-function builder honours every option it accepts: an option it does not know (a
 * typo, an option of another engine such as `sandbox`, `isolated` or `inline`) is refused with
 * `INVALID_STEP` naming it, never ignored.
 */
import { WorkflowDefinitionError } from "../errors.js";

/** The options each kind of step takes. */
export const STEP_OPTION_KEYS = {
  task: [
    "inputSchema",
    "outputSchema",
    "handler",
    "retry",
    "timeout",
    "compensate",
    "compensateRetry",
    "breaker",
    "next",
    "end",
    "events",
    "isolation",
  ],
  pass: ["transform", "result", "next", "end"],
  choice: ["choices", "default"],
  parallel: ["branches", "onError", "next", "end"],
  poll: ["interval", "timeout", "maxAttempts", "check"],
  loop: ["condition", "target", "interval", "maxIterations", "timeout"],
} as const;

/**
 * Throws `INVALID_STEP` naming the first key of `options` that a step of `kind` does not take
 * (a non-object `options` is left to the step's own checks).
 */
export function checkKnownOptions(
  id: string,
  kind: keyof typeof STEP_OPTION_KEYS,
  options: unknown,
): void {
  if (typeof options !== "object" || options === null) return;
  const known: readonly string[] = STEP_OPTION_KEYS[kind];
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint =
      key === "isolated" || key === "sandbox" || key === "inline"
        ? ' (for a child process or a worker thread use isolation: "process" | "thread")'
        : "";
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] step "${id}": a ${kind} step has no option ${JSON.stringify(key)}${hint}; its options: ${known.join(", ")}`,
      { stageId: id, field: key },
    );
  }
}
