/**
 * `ratchet worker`: a Node host on the database until SIGTERM/SIGINT, then a graceful stop
 * (running stages get up to 30 s, the rest go back to the queue), the database closed, exit 0.
 * It prints one line per step forward of the runs it works on (`--json`: one event per line).
 */
import { WORKFLOWS_OPTION } from "./shared.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet worker`. */
export const workerCommand: CommandSpec = {
  name: "worker",
  summary: "Run a worker until SIGTERM/SIGINT",
  description:
    "Starts a worker host: it claims pending runs, executes their stages (up to --concurrency at once), checks suspended stages, retries, and publishes events. On SQLite a watch on the database file wakes it when another process writes (it also polls every 500 ms, in case the watch misses a change); on PostgreSQL LISTEN/NOTIFY wakes it at once. SIGTERM or SIGINT stops it gracefully: no new work is taken, running stages get up to 30 s, the rest go back to the queue, the database is closed, and it exits 0. A second signal ends it at once.",
  positionals: [],
  options: {
    concurrency: {
      type: "string",
      value: "<n>",
      description: "stages executed at once (1–256)",
      defaultText: "10",
    },
    workflows: WORKFLOWS_OPTION,
    "worker-id": {
      type: "string",
      value: "<id>",
      description: "this worker's id, unique per process",
      defaultText: "worker-<host pid>",
    },
  },
  examples: [
    "ratchet worker",
    "ratchet worker --concurrency 20 --database-url postgresql://postgres@127.0.0.1:5432/ratchet",
    "ratchet worker --workflows ./dist/workflows.js",
  ],
  async run(context) {
    const { runWorker } = await import("../handlers/worker.js");
    return runWorker(context);
  },
};
