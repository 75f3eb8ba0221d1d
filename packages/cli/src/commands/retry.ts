/**
 * `ratchet retry <runId>`: runs a FAILED or TIMED_OUT run again from the stage that failed
 * (`run.retry`); any other run is refused with RUN_NOT_FAILED.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { WORKFLOWS_OPTION } from "./shared.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet retry`. */
export const retryCommand: CommandSpec = {
  name: "retry",
  summary: "Retry a failed (or timed-out) run from the stage that failed",
  description:
    "Runs a FAILED or TIMED_OUT run again from the stage that failed (run.retry): the stage its error names, else its earliest failed stage, else (a timed-out run) its earliest unfinished one. Earlier stages keep their outputs; the run is RUNNING with the stage's jobs queued for a worker (the retry needs the run's own definition: give the same --workflows as your workers). A run that did not fail — running, completed or cancelled — is refused with RUN_NOT_FAILED (exit 1) and nothing changes; use `ratchet rerun --from` to run a finished run again from a stage you choose. --json prints { workflowRunId, fromStageId, groupIndex, jobIds, previousStatus }; --quiet only the run id.",
  positionals: [{ name: "runId", description: "the failed run", required: true }],
  options: { workflows: WORKFLOWS_OPTION },
  exitCodes: [
    { code: ExitCode.OK, meaning: "the run is RUNNING again from the failed stage" },
    {
      code: ExitCode.FAILURE,
      meaning:
        "error [CODE]: RUN_NOT_FAILED (the run is not FAILED or TIMED_OUT), RUN_NOT_FOUND, DEFINITION_UNAVAILABLE (the run's workflow version is not registered here)",
    },
  ],
  examples: [
    "ratchet retry 0193f0c2-…",
    "ratchet retry 0193f0c2-… --workflows ./dist/workflows.js",
  ],
  async run(context) {
    const { runRetry } = await import("../handlers/retry.js");
    return runRetry(context);
  },
};
