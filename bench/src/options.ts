/**
 * `npm run bench`'s command line: the options, `--help`'s text, and the exit for a wrong option
 * (the reason and the usage, exit code 2, no stack trace).
 */
import { parseArgs } from "node:util";
import { SELECTABLE_SYSTEMS, WORKLOADS } from "./spec.js";

/** What `--help` prints. */
export const USAGE = `Usage: npm run bench -- [options]

Runs the workloads (W1 chain, W2 fan-out, W3 latency, W4 kernel, W5 signals) on each system,
repetitions interleaved, each in a child process on a fresh database; prints Markdown tables
and writes bench/results/<date>[-full].json.

Options:
  --full            the issue's sizes (default: the quick sizes)
  --reps N          repetitions of every workload and system
  --systems a,b     systems to run (${SELECTABLE_SYSTEMS.join(", ")}; ratchet-memory: W4, W5)
  --workloads w1,w3 workloads to run (${WORKLOADS.join(", ")})
  --no-profile      skip the profiled runs (Ratchet W1 on PostgreSQL, W4)
  --quiet-wait S    wait up to S seconds for other processes to go quiet before each child (300)
  --out FILE        write the results there
  --report FILE     print the tables of an earlier results file; runs nothing
  --help            this text`;

/** Ends with `message` and the usage (exit code 2): a wrong option, not a failed run. */
export function usageError(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseOptions() {
  return parseArgs({
    options: {
      full: { type: "boolean", default: false },
      reps: { type: "string" },
      systems: { type: "string" },
      workloads: { type: "string" },
      "no-profile": { type: "boolean", default: false },
      "quiet-wait": { type: "string", default: "300" },
      out: { type: "string" },
      report: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
}

/** The options of this process's command line; prints the usage and exits for `--help`. */
export function benchOptions(): ReturnType<typeof parseOptions>["values"] {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions();
  } catch (error) {
    usageError((error as Error).message);
  }
  if (parsed.values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return parsed.values;
}
