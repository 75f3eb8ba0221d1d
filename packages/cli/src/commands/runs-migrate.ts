/**
 * `ratchet runs migrate --workflow <id> --from <version> --to <version>`: moves the waiting
 * runs (PENDING and RUNNING) of one workflow version to another version registered in the
 * `--workflows` module, one `run.migrate` per run; `--dry-run` only reports what would happen.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { WORKFLOWS_OPTION } from "./shared.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet runs migrate`. */
export const runsMigrateCommand: CommandSpec = {
  name: "runs migrate",
  summary: "Move waiting runs of one workflow version to another",
  description:
    "Moves the waiting runs (PENDING and RUNNING) of --workflow at version --from to version --to, which the --workflows module must register (give it the module you deploy). Each run moves in its own transaction through `run.migrate`: the migration the new version declares (.migrateFrom) maps the stages it completed, and it continues at a stage boundary on the new definition — or it is refused with the reason (no migration declared, a stage being executed right now, an output that does not fit) and left exactly as it was. Runs are taken page by page, newest first. Prints one line per run (moved, would move, skipped, refused with the reason) and a summary; --dry-run reports what would happen and changes nothing. --json prints { runs: [run.migrate results], summary: { examined, migrated, planned, skipped, refused, failed, … } }. With --quiet only refused runs and the summary are printed.",
  positionals: [],
  options: {
    workflow: {
      type: "string",
      value: "<workflowId>",
      description: "the workflow whose runs move",
      required: true,
    },
    from: {
      type: "string",
      value: "<version>",
      description: "move the runs recorded at this version",
      required: true,
    },
    to: {
      type: "string",
      value: "<version>",
      description: "the version they move to (registered in --workflows)",
      required: true,
    },
    "dry-run": { type: "boolean", description: "report what would happen; change nothing" },
    workflows: WORKFLOWS_OPTION,
    limit: {
      type: "string",
      value: "<n>",
      description: "move at most this many runs",
      defaultText: "every waiting run",
    },
  },
  exitCodes: [
    { code: ExitCode.OK, meaning: "nothing was refused (also when no run was waiting)" },
    {
      code: ExitCode.USAGE,
      meaning: "bad usage, e.g. --to is not a version the module registers",
    },
    {
      code: ExitCode.NEEDS_ATTENTION,
      meaning: "some runs were refused (or failed) and left as they were",
    },
  ],
  examples: [
    "ratchet runs migrate --workflow order --from 1 --to 2 --workflows ./dist/workflows.js --dry-run",
    "ratchet runs migrate --workflow order --from 1 --to 2 --workflows ./dist/workflows.js",
    "ratchet runs migrate --workflow order --from 1 --to 2 --workflows ./dist/workflows.js --json",
  ],
  async run(context) {
    const { runRunsMigrate } = await import("../handlers/runs-migrate.js");
    return runRunsMigrate(context);
  },
};
