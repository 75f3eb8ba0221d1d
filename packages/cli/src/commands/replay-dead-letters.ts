/**
 * `ratchet replay-dead-letters`: moves dead-lettered outbox events back so workers publish them
 * again (`outbox.replayDeadLetters`) — once the consumer that refused them is fixed.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { REPLAY_DEFAULT_LIMIT } from "./option-values.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet replay-dead-letters`. */
export const replayDeadLettersCommand: CommandSpec = {
  name: "replay-dead-letters",
  summary: "Send dead-lettered events to the event sink again",
  description:
    "Moves up to --limit dead-lettered outbox events (oldest first; only run --run's with --run) back to the outbox with their retry count reset (outbox.replayDeadLetters); workers publish them through their event sink again, in order per run. An event is dead-lettered after its publish failed maxPublishAttempts times — see them with `ratchet events <runId>`. Replay after fixing what refused them. --json prints { replayed }; --quiet only the number.",
  positionals: [],
  options: {
    run: { type: "string", value: "<runId>", description: "only this run's dead-lettered events" },
    limit: {
      type: "string",
      value: "<n>",
      description: "most events to replay (1–100000)",
      defaultText: String(REPLAY_DEFAULT_LIMIT),
    },
  },
  exitCodes: [{ code: ExitCode.OK, meaning: "replayed (perhaps none)" }],
  examples: [
    "ratchet replay-dead-letters",
    "ratchet replay-dead-letters --run 0193f0c2-… --limit 10 --json",
  ],
  async run(context) {
    const { runReplayDeadLetters } = await import("../handlers/replay-dead-letters.js");
    return runReplayDeadLetters(context);
  },
};
