/**
 * `ratchet replay-dead-letters`: moves dead-lettered outbox events back so workers publish them
 * again (`outbox.replayDeadLetters`) — once the consumer that refused them is fixed.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { integerOption, stringOption } from "../cli/values.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { withDatabase } from "./shared.js";
import type { CommandSpec } from "./spec.js";

/** Events replayed when `--limit` is absent. */
const DEFAULT_LIMIT = 100;

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
      defaultText: String(DEFAULT_LIMIT),
    },
  },
  exitCodes: [{ code: ExitCode.OK, meaning: "replayed (perhaps none)" }],
  examples: [
    "ratchet replay-dead-letters",
    "ratchet replay-dead-letters --run 0193f0c2-… --limit 10 --json",
  ],
  async run(context) {
    const { out, globals, options } = context;
    const maxEvents = integerOption(options, "limit", {
      min: 1,
      max: 100_000,
      fallback: DEFAULT_LIMIT,
    });
    const workflowRunId = stringOption(options, "run");
    const result = await withDatabase(context, (stack) =>
      createCommandKernel(stack, []).dispatch({
        type: "outbox.replayDeadLetters",
        maxEvents,
        ...(workflowRunId === undefined ? {} : { workflowRunId }),
      }),
    );
    if (globals.json) out.json(result);
    else if (globals.quiet) out.line(String(result.replayed));
    else {
      const events = `${result.replayed} dead-lettered event${result.replayed === 1 ? "" : "s"}`;
      out.line(
        result.replayed === 0
          ? `no dead-lettered events${workflowRunId === undefined ? "" : ` of run ${workflowRunId}`} to replay`
          : `${out.style.green("replayed")} ${events}${workflowRunId === undefined ? "" : ` of run ${out.style.bold(workflowRunId)}`}; workers publish them again`,
      );
    }
    return ExitCode.OK;
  },
};
