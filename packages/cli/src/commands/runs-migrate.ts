/**
 * `ratchet runs migrate --workflow <id> --from <version> --to <version>`: moves the waiting
 * runs (PENDING and RUNNING) of one workflow version to another version registered in the
 * `--workflows` module, one `run.migrate` per run; `--dry-run` only reports what would happen.
 */
import type { AnyWorkflow } from "@ratchet/kernel";
import { UsageError } from "../cli/errors.js";
import { ExitCode } from "../cli/exit-codes.js";
import { integerOption, stringOption } from "../cli/values.js";
import { type MigrationReport, migrateRuns, needsAttention } from "../deploys/migrate-runs.js";
import {
  isAttentionReport,
  migrationLine,
  migrationSummaryLine,
} from "../render/migration-report.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { resolveWorkflows } from "../runtime/workflows.js";
import { WORKFLOWS_OPTION, withDatabase } from "./shared.js";
import type { CommandContext, CommandSpec } from "./spec.js";

/** The definition `--to` names, or a usage error naming the versions the module registers. */
export function targetDefinition(
  workflows: readonly AnyWorkflow[],
  workflowId: string,
  toVersion: string,
  source: string,
): AnyWorkflow {
  const versions = workflows.filter((w) => w.id === workflowId);
  if (versions.length === 0) {
    throw new UsageError(`workflow "${workflowId}" is not in ${source}`, {
      field: "--workflow",
      hint: `${source} registers: ${[...new Set(workflows.map((w) => w.id))].join(", ")}. Pass --workflows <module> with the definitions to move runs to.`,
    });
  }
  const target = versions.find((w) => w.version === toVersion);
  if (target) return target;
  throw new UsageError(
    `--to ${toVersion}: no version ${toVersion} of workflow "${workflowId}" in ${source}`,
    {
      field: "--to",
      hint: `Registered versions of "${workflowId}": ${versions.map((w) => w.version).join(", ")}.`,
    },
  );
}

async function runMigrate(context: CommandContext): Promise<number> {
  const { out, globals, options } = context;
  const modulePath = stringOption(options, "workflows");
  const workflowId = stringOption(options, "workflow") ?? "";
  const fromVersion = stringOption(options, "from") ?? "";
  const dryRun = options["dry-run"] === true;
  const limit = integerOption(options, "limit", {
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    fallback: undefined,
  });
  const workflows = await resolveWorkflows(modulePath, context.io.cwd);
  const source = modulePath ?? "the built-in workflows";
  const target = targetDefinition(workflows, workflowId, stringOption(options, "to") ?? "", source);
  const reports: MigrationReport[] = [];
  const summary = await withDatabase(context, (stack) =>
    migrateRuns(
      createCommandKernel(stack, workflows),
      stack.queries,
      { workflowId, fromVersion, target, dryRun, limit },
      (report) => {
        if (globals.json) reports.push(report);
        else if (!globals.quiet || isAttentionReport(report))
          out.line(migrationLine(report, out.style));
      },
    ),
  );
  if (globals.json) out.json({ runs: reports, summary });
  else out.line(migrationSummaryLine(summary));
  if (!needsAttention(summary)) return ExitCode.OK;
  if (!globals.json)
    context.err.line(
      dryRun
        ? "some runs would be refused; see the reasons above"
        : "some runs were not moved and were left exactly as they were; see the reasons above",
    );
  return ExitCode.NEEDS_ATTENTION;
}

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
  run: runMigrate,
};
