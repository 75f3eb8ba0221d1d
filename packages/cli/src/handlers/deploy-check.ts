/**
 * What `ratchet deploy-check` does (its definition is `commands/deploy-check.ts`): compares the
 * module's definitions with the runs in flight and reports what a deploy would strand.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { stringOption } from "../cli/values.js";
import type { CommandContext } from "../commands/spec.js";
import { describeTarget } from "../db/target.js";
import { withDatabase } from "../db/with-database.js";
import { checkDeploy } from "../deploys/check-deploy.js";
import { migrateCommands, renderDeployCheck } from "../render/deploy-check.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { loadWorkflowModule } from "../runtime/workflows.js";

/** Runs `ratchet deploy-check`; resolves to the exit code. */
export async function runDeployCheck(context: CommandContext): Promise<number> {
  const { out, globals, options } = context;
  const modulePath = stringOption(options, "workflows") ?? "";
  const verbose = options.verbose === true;
  const workflows = await loadWorkflowModule(modulePath, context.io.cwd);
  const { report, target } = await withDatabase(context, async (stack, target) => ({
    target,
    report: await checkDeploy({
      kernel: createCommandKernel(stack, workflows),
      queries: stack.queries,
      workflows,
      keepRuns: verbose || globals.json,
    }),
  }));
  const groups = report.groups();
  const summary = report.summary();
  if (globals.json) {
    out.json({
      module: {
        path: modulePath,
        definitions: workflows.map((w) => ({
          workflowId: w.id,
          workflowVersion: w.version,
          fingerprint: w.fingerprint,
        })),
      },
      database: target.display,
      groups,
      summary,
      migrateCommands: migrateCommands(groups, modulePath),
    });
  } else if (globals.quiet) {
    out.line(summary.passed ? "ok" : "needs attention");
  } else {
    const view = { modulePath, workflows, database: describeTarget(target), groups, summary };
    for (const line of renderDeployCheck({ ...view, verbose }, out.style)) out.line(line);
  }
  return summary.passed ? ExitCode.OK : ExitCode.NEEDS_ATTENTION;
}
