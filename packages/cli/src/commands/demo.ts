/**
 * `ratchet demo`: the document-processing demo end to end — a handful of runs of the
 * `document-pipeline` on a fresh SQLite file (or `--database-url`), executed by a host in this
 * process, shown stage by stage; then each run's output and a summary.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { DEMO_PIPELINE } from "./option-values.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet demo`. */
export const demoCommand: CommandSpec = {
  name: "demo",
  summary: "Run the document-processing demo end to end",
  description: `Runs the demo application: ${DEMO_PIPELINE}. Documents come from a built-in corpus (no network); one fails once with a transient 503 and is retried; embed submits a simulated batch and suspends until it is done (~1–1.7 s). The runs execute on a host in this process, on a fresh SQLite file ./ratchet-demo.db (recreated each time) or on --database-url (used as it is, e.g. PostgreSQL). Prints progress stage by stage, each run's output and a summary; exits 0 when every run completed.`,
  positionals: [],
  options: {
    runs: {
      type: "string",
      value: "<n>",
      description: "how many runs to create (1–50)",
      defaultText: "5",
    },
  },
  exitCodes: [
    { code: ExitCode.OK, meaning: "every run completed" },
    {
      code: ExitCode.FAILURE,
      meaning: "a run ended FAILED, CANCELLED or TIMED_OUT, or the runs did not finish in time",
    },
    { code: ExitCode.INTERRUPTED, meaning: "stopped by Ctrl-C (SIGINT) or SIGTERM" },
  ],
  examples: [
    "ratchet demo",
    "ratchet demo --runs 10",
    "ratchet demo --database-url postgresql://postgres@127.0.0.1:5432/ratchet_demo",
  ],
  async run(context) {
    const { runDemo } = await import("../handlers/demo.js");
    return runDemo(context);
  },
};
