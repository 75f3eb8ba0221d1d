/**
 * `ratchet run <workflowId> --input '<json>'`: creates a run; with `--wait`, also executes it
 * in this process and shows its progress until it ends.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { WORKFLOWS_OPTION } from "./shared.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet run`. */
export const runCommand: CommandSpec = {
  name: "run",
  summary: "Create a run (with --wait: execute it here and show its progress)",
  description:
    "Creates a run of a workflow with the given JSON input. Without --wait it only creates it (PENDING) and prints its id: a worker (`ratchet worker`) executes it. With --wait it also starts a host in this process — which works the queue like a worker, so give it the same --workflows as your workers — shows progress stage by stage until the run ends, then prints the output (exit 0) or the error (exit 1). Invalid input is INVALID_INPUT (exit 1) naming the field; input that is not JSON is a usage error (exit 2).",
  positionals: [
    {
      name: "workflowId",
      description: "the workflow to run, e.g. document-pipeline",
      required: true,
    },
  ],
  options: {
    input: {
      type: "string",
      value: "<json>",
      description: "the run's input, as JSON",
      defaultText: "{}",
    },
    wait: {
      type: "boolean",
      description: "execute the run in this process and wait for it to end",
    },
    "idempotency-key": {
      type: "string",
      value: "<key>",
      description: "a repeat with the same key returns the first run instead of creating one",
    },
    priority: { type: "string", value: "<n>", description: "higher runs first", defaultText: "0" },
    workflows: WORKFLOWS_OPTION,
  },
  exitCodes: [
    { code: ExitCode.OK, meaning: "created (with --wait: the run ended COMPLETED)" },
    {
      code: ExitCode.FAILURE,
      meaning:
        "error [CODE] (e.g. INVALID_INPUT), or with --wait the run ended FAILED, CANCELLED or TIMED_OUT (its workflow's timeout passed)",
    },
    {
      code: ExitCode.INTERRUPTED,
      meaning:
        "--wait stopped by Ctrl-C (SIGINT) or SIGTERM; the run goes on, a worker finishes it",
    },
  ],
  examples: [
    `ratchet run document-pipeline --input '{"url":"https://library.example.org/guides/durable-workflows"}' --wait`,
    `ratchet run document-pipeline --input '{"url":"https://library.example.org/papers/sqlite-wal"}' --idempotency-key wal-1`,
  ],
  async run(context) {
    const { runRun } = await import("../handlers/run.js");
    return runRun(context);
  },
};
