/**
 * `ratchet explain <runId>`: what the run waits for (or how it ended), in one sentence with
 * the facts — `explainRun` of `@ratchet/kernel` over the run's inspection.
 */
import type { CommandSpec } from "./spec.js";

/** `ratchet explain`. */
export const explainCommand: CommandSpec = {
  name: "explain",
  summary: "Say in one sentence what a run waits for, with the facts",
  description:
    "Prints one sentence saying what the run is waiting for — to be claimed by a worker that has its workflow and version (workers take only runs of definitions they register), a concurrency slot (and the runs holding it), a running attempt's lease (worker, last heartbeat; a lease that expired and will be reaped), a retry at a time after an error, a sleep, a suspended poll's next check, a signal, an approval, a child run (and its status), a map's items, a dead-lettered outbox event — or how it ended (status, stage, error), then the facts behind it, one per line. Reads only: nothing is written. --json prints `{ summary, facts, inspection }` (the run's stages, attempts, leases and timeline). Exits 0 whenever the run exists; an unknown id is RUN_NOT_FOUND (exit 1).",
  positionals: [
    {
      name: "runId",
      description: "the run's id (from `ratchet run` or `ratchet runs`)",
      required: true,
    },
  ],
  options: {},
  examples: ["ratchet explain 0193f0c2-…", "ratchet explain 0193f0c2-… --json"],
  async run(context) {
    const { runExplain } = await import("../handlers/explain.js");
    return runExplain(context);
  },
};
