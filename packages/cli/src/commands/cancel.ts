/**
 * `ratchet cancel <runId>`: ends a run `CANCELLED` through `run.cancel` — its unfinished stages,
 * jobs and timers with it; stages running on a worker learn it at their next heartbeat.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { WORKFLOWS_OPTION } from "./shared.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet cancel`. */
export const cancelCommand: CommandSpec = {
  name: "cancel",
  summary: "Cancel a run that has not ended",
  description:
    "Cancels a PENDING or RUNNING run (run.cancel): the run ends CANCELLED with error CANCELLED and the --reason as its message, its unfinished stages, queued jobs and timers are cancelled in the same transaction, and the child runs it waits for are cancelled too. A stage running on a worker right now is told at its next heartbeat (its ctx.signal aborts). Cancelling a run that is already cancelled changes nothing (exit 0, `already cancelled`); a run that completed, failed or timed out cannot be cancelled (ILLEGAL_STATE_TRANSITION, exit 1). --json prints { workflowRunId, status, cancelled }; --quiet only the status.",
  positionals: [{ name: "runId", description: "the run to cancel", required: true }],
  options: {
    reason: {
      type: "string",
      value: "<text>",
      description: "why (stored as the run's error message, at most 2000 characters)",
      defaultText: "cancelled",
    },
    workflows: WORKFLOWS_OPTION,
  },
  exitCodes: [
    { code: ExitCode.OK, meaning: "cancelled, or it was already cancelled" },
    {
      code: ExitCode.FAILURE,
      meaning:
        "error [CODE]: RUN_NOT_FOUND, ILLEGAL_STATE_TRANSITION (the run already completed, failed or timed out)",
    },
  ],
  examples: ["ratchet cancel 0193f0c2-…", 'ratchet cancel 0193f0c2-… --reason "duplicate order"'],
  async run(context) {
    const { runCancel } = await import("../handlers/cancel.js");
    return runCancel(context);
  },
};
