/**
 * What `ratchet runs migrate` does (its definition is `commands/runs-migrate.ts`): one
 * `run.migrate` per waiting run of the version, or with `--dry-run` a report of what would
 * happen.
 */
import type { AnyWorkflow } from "@ratchet/kernel";
import { UsageError } from "../cli/errors.js";
import { ExitCode } from "../cli/exit-codes.js";
import { integerOption, stringOption } from "../cli/values.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import { type MigrationReport, migrateRuns, needsAttention } from "../deploys/migrate-runs.js";
import {
  isAttentionReport,
  migrationLine,
  migrationSummaryLine,
} from "../render/migration-report.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { resolveWorkflows } from "../runtime/workflows.js";

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

/** Runs `ratchet runs migrate`; resolves to the exit code. */
export async function runRunsMigrate(context: CommandContext): Promise<number> {
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
