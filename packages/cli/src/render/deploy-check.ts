/**
 * `ratchet deploy-check` as text: the module's definitions, a table of the runs in flight
 * grouped by workflow, version and fingerprint with their verdict, why runs would be stranded,
 * (with `--verbose`) every run, a summary, and the commands that move runs needing a migration.
 */
import type { AnyWorkflow } from "@ratchet/kernel";
import type { CheckGroup, DeployCheckSummary } from "../deploys/check-report.js";
import { shellWord } from "./shell-word.js";
import type { Style } from "./style.js";
import { renderTable } from "./table.js";

/** What the text view shows. */
export interface DeployCheckView {
  /** `--workflows` as given. */
  modulePath: string;
  workflows: readonly AnyWorkflow[];
  /** e.g. `SQLite ./ratchet.db`. */
  database: string;
  groups: readonly CheckGroup[];
  summary: DeployCheckSummary;
  verbose: boolean;
}

function verdictText(group: CheckGroup, style: Style): string {
  switch (group.verdict) {
    case "ok":
      return style.green(group.fingerprint === "" ? "ok (unversioned run)" : "ok");
    case "needs-migration":
      return style.yellow(`needs migration to version ${group.toVersion ?? "?"}`);
    case "stranded":
      return style.red("stranded");
    case "not-checked":
      return style.dim("not checked (workflow not in the module)");
  }
}

function definitionText(group: Pick<CheckGroup, "workflowId" | "workflowVersion" | "fingerprint">) {
  return group.fingerprint === ""
    ? `"${group.workflowId}" (unversioned)`
    : `"${group.workflowId}" version ${group.workflowVersion} (fingerprint ${group.fingerprint})`;
}

/** The module's definitions, one line: `order 1 (3f9c…), order 2 (a1b2…)`. */
function moduleLine(view: DeployCheckView): string {
  const definitions = view.workflows
    .map((w) => `${w.id} ${w.version} (${w.fingerprint})`)
    .join(", ");
  return `module    ${view.modulePath}: ${definitions}`;
}

/** `ratchet runs migrate` commands for the groups that need a migration (one per source version). */
export function migrateCommands(groups: readonly CheckGroup[], modulePath: string): string[] {
  const commands = groups
    .filter((g) => g.verdict === "needs-migration")
    .map(
      (g) =>
        `ratchet runs migrate --workflow ${shellWord(g.workflowId)} --from ${shellWord(g.workflowVersion)} --to ${shellWord(g.toVersion ?? "")} --workflows ${shellWord(modulePath)}`,
    );
  return [...new Set(commands)];
}

function summaryLine(summary: DeployCheckSummary): string {
  if (summary.inFlight === 0) return "no runs in flight: a deploy strands nothing";
  return `${summary.inFlight} run(s) in flight: ${summary.ok} ok, ${summary.needsMigration} need migration, ${summary.stranded} stranded, ${summary.notChecked} not checked`;
}

/** The lines of the report. */
export function renderDeployCheck(view: DeployCheckView, style: Style): string[] {
  const lines = [moduleLine(view), `database  ${view.database}`, ""];
  if (view.groups.length > 0) {
    const rows = view.groups.map((g) => [
      g.workflowId,
      g.fingerprint === "" ? "-" : g.workflowVersion,
      g.fingerprint === "" ? "-" : g.fingerprint,
      String(g.count),
      verdictText(g, style),
    ]);
    lines.push(
      ...renderTable(["WORKFLOW", "VERSION", "FINGERPRINT", "RUNS", "VERDICT"], rows, style),
    );
    lines.push("");
  }
  const stranded = view.groups.filter((g) => g.verdict === "stranded");
  if (stranded.length > 0) {
    lines.push(style.bold("stranded: no worker of this deploy would take these runs"));
    for (const group of stranded)
      for (const { reason, count } of group.reasons)
        lines.push(`  ${definitionText(group)}, ${count} run(s): ${reason}`);
    lines.push(
      style.dim(
        "  keep their version registered beside the new one until they end, or declare a migration from their version (.migrateFrom) and run `ratchet runs migrate`",
      ),
      "",
    );
  }
  if (view.verbose) {
    for (const group of view.groups) {
      lines.push(`${definitionText(group)}: ${verdictText(group, style)}`);
      for (const run of group.runs)
        lines.push(
          `  ${run.id}  ${run.status}${run.reason === undefined ? "" : `  ${run.reason}`}`,
        );
    }
    if (view.groups.length > 0) lines.push("");
  }
  lines.push(summaryLine(view.summary));
  const commands = migrateCommands(view.groups, view.modulePath);
  if (commands.length > 0) {
    lines.push("move the runs that need a migration before the old workers stop:");
    lines.push(...commands.map((command) => `  ${command}`));
  }
  return lines;
}
