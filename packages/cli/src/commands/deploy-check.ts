/**
 * `ratchet deploy-check --workflows <module>`: before deploying a module, compares its
 * workflow definitions with the runs in flight in the database and says which runs the deploy
 * would strand, which need `ratchet runs migrate` first, and which are fine.
 */
import { ExitCode } from "../cli/exit-codes.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet deploy-check`. */
export const deployCheckCommand: CommandSpec = {
  name: "deploy-check",
  summary: "Check a workflows module against the runs in flight before deploying it",
  description:
    "Compares the workflow definitions in --workflows (the module about to be deployed) with every run in flight in the database (PENDING and RUNNING, read page by page). Workers take only runs of definitions they register, so each run of a workflow the module contains is: ok — the module registers its exact version and fingerprint (or the run predates versions); needs migration — it does not, but a dry run of `run.migrate` to the module's newest version plans the move (run the printed `ratchet runs migrate` command before the old workers stop); stranded — it does not and the dry run refuses, with the reason (no migration declared, a stage being executed, …). Runs of workflows the module does not contain are listed as not checked and do not fail the check. Prints a table grouped by workflow, version and fingerprint with counts (--verbose or --json also list the runs) and a summary; --json prints { module, database, groups: [{ workflowId, workflowVersion, fingerprint, verdict, count, toVersion, reasons, runs }], summary, migrateCommands }; --quiet prints only `ok` or `needs attention`. Nothing is written.",
  positionals: [],
  options: {
    workflows: {
      type: "string",
      value: "<module>",
      description:
        "JavaScript module exporting `workflows` (an array) or a default array: the definitions about to be deployed",
      required: true,
    },
    verbose: { type: "boolean", description: "list every run under its group" },
  },
  exitCodes: [
    {
      code: ExitCode.OK,
      meaning: "nothing would be stranded or needs a migration (runs not checked do not count)",
    },
    {
      code: ExitCode.NEEDS_ATTENTION,
      meaning: "some runs would be stranded or need `ratchet runs migrate` first",
    },
  ],
  examples: [
    "ratchet deploy-check --workflows ./dist/workflows.js",
    "ratchet deploy-check --workflows ./dist/workflows.js --verbose",
    "ratchet deploy-check --workflows ./dist/workflows.js --json --database-url postgresql://postgres@127.0.0.1:5432/ratchet",
  ],
  async run(context) {
    const { runDeployCheck } = await import("../handlers/deploy-check.js");
    return runDeployCheck(context);
  },
};
