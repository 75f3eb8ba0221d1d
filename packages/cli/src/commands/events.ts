/**
 * `ratchet events <runId>`: a run's outbox events in sequence — type, time, whether they were
 * published or dead-lettered, and their payload; with `--follow`, new events (and changes of
 * state) as they happen, until the run ends.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { FOLLOW_OPTIONS } from "../runtime/follow.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet events`. */
export const eventsCommand: CommandSpec = {
  name: "events",
  summary: "Show a run's outbox events (--follow: as they happen)",
  description:
    "Prints a run's events from the transactional outbox in sequence: number, time, type (workflow.started, workflow.step.completed, …), state — published, pending (with its failed publish tries and last error) or dead-lettered (replay with `ratchet replay-dead-letters`) — and the payload as compact JSON (cut at 160 characters; --json has all of it). With --follow it keeps polling (every --interval ms) and prints each new event, and an event again when its state changes, until the run ends (exit 0) or Ctrl-C (exit 130). --json prints one JSON object per line ({ id, runId, sequence, type, state, occurredAt, publishedAt, deadLetteredAt, retryCount, lastError, payload }); --quiet only the types. An unknown run is RUN_NOT_FOUND (exit 1).",
  positionals: [{ name: "runId", description: "the run", required: true }],
  options: { ...FOLLOW_OPTIONS },
  exitCodes: [
    { code: ExitCode.OK, meaning: "printed (with --follow: the run ended)" },
    { code: ExitCode.FAILURE, meaning: "error [RUN_NOT_FOUND]" },
    { code: ExitCode.INTERRUPTED, meaning: "--follow stopped by Ctrl-C (SIGINT) or SIGTERM" },
  ],
  examples: [
    "ratchet events 0193f0c2-…",
    "ratchet events 0193f0c2-… --json | jq 'select(.state == \"dead-lettered\")'",
    "ratchet events 0193f0c2-… --follow",
  ],
  async run(context) {
    const { runEvents } = await import("../handlers/events.js");
    return runEvents(context);
  },
};
