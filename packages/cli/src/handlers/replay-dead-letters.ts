/**
 * What `ratchet replay-dead-letters` does (its definition is `commands/replay-dead-letters.ts`):
 * `outbox.replayDeadLetters`.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { integerOption, stringOption } from "../cli/values.js";
import { REPLAY_DEFAULT_LIMIT } from "../commands/option-values.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import { createCommandKernel } from "../runtime/command-kernel.js";

/** Runs `ratchet replay-dead-letters`; resolves to the exit code. */
export async function runReplayDeadLetters(context: CommandContext): Promise<number> {
  const { out, globals, options } = context;
  const maxEvents = integerOption(options, "limit", {
    min: 1,
    max: 100_000,
    fallback: REPLAY_DEFAULT_LIMIT,
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
}
