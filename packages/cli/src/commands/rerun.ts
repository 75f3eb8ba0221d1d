/**
 * `ratchet rerun <runId> --from <stageId>`: runs a finished run again from one stage on
 * (`run.rerunFrom`), keeping the outputs of the stages before it; a worker executes it.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { WORKFLOWS_OPTION } from "./shared.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet rerun`. */
export const rerunCommand: CommandSpec = {
  name: "rerun",
  summary: "Run a finished run again from a stage",
  description:
    "Runs a finished run (COMPLETED, FAILED, CANCELLED or TIMED_OUT) again from --from <stageId> (run.rerunFrom): the stage records from that stage's group on are replaced, earlier stages keep their outputs and are not run again, and the run is RUNNING with the stage's jobs queued for a worker (give it the workflows: the rerun needs the run's own definition, --workflows). In a workflow with jumps the stage must have been reached by the run. A run that has not ended is refused (ILLEGAL_STATE_TRANSITION). For a failed run, `ratchet retry` picks the stage for you. --json prints { workflowRunId, fromStageId, groupIndex, jobIds }; --quiet only the run id.",
  positionals: [{ name: "runId", description: "the finished run to run again", required: true }],
  options: {
    from: {
      type: "string",
      value: "<stageId>",
      description: "the stage to start again from",
      required: true,
    },
    workflows: WORKFLOWS_OPTION,
  },
  exitCodes: [
    { code: ExitCode.OK, meaning: "the run is RUNNING again from the stage" },
    {
      code: ExitCode.FAILURE,
      meaning:
        "error [CODE]: RUN_NOT_FOUND, STAGE_NOT_FOUND, ILLEGAL_STATE_TRANSITION (the run has not ended, or an earlier stage did not complete), DEFINITION_UNAVAILABLE (the run's workflow version is not registered here)",
    },
    { code: ExitCode.USAGE, meaning: "bad usage: no --from" },
  ],
  examples: [
    "ratchet rerun 0193f0c2-… --from publish",
    "ratchet rerun 0193f0c2-… --from charge --workflows ./dist/workflows.js --json",
  ],
  async run(context) {
    const { runRerun } = await import("../handlers/rerun.js");
    return runRerun(context);
  },
};
