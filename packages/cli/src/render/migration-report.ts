/**
 * `ratchet runs migrate` as text: one line per run (moved, would move, skipped, refused,
 * failed) and a summary line.
 */
import type { MigrationReport, MigrationSummary } from "../deploys/migrate-runs.js";
import type { Style } from "./style.js";

function versions(report: MigrationReport): string {
  return report.from.version === report.to.version
    ? `version ${report.to.version} (fingerprint ${report.from.fingerprint || "none"} → ${report.to.fingerprint})`
    : `version ${report.from.version || "(unversioned)"} → ${report.to.version}`;
}

function continuation(report: MigrationReport, dryRun: boolean): string {
  const parts: string[] = [];
  if (report.resumeAt !== undefined)
    parts.push(`${dryRun ? "would resume" : "resumes"} at "${report.resumeAt}"`);
  if (report.carried !== undefined && report.carried.length > 0)
    parts.push(`${dryRun ? "carrying" : "carried"} ${report.carried.join(", ")}`);
  return parts.length === 0 ? "" : `; ${parts.join(", ")}`;
}

/** The line for one run. */
export function migrationLine(report: MigrationReport, style: Style): string {
  const run = style.bold(report.workflowRunId);
  switch (report.outcome) {
    case "migrated":
      return `${style.green("✓")} moved ${run}: ${versions(report)}${continuation(report, false)}`;
    case "planned":
      return `${style.cyan("→")} would move ${run}: ${versions(report)}${continuation(report, true)}`;
    case "skipped":
      return `${style.dim("–")} skipped ${run}: ${report.reason ?? ""}`;
    case "refused":
      return `${style.red("✗")} refused ${run}: ${report.reason ?? ""}`;
    case "failed":
      return `${style.red("✗")} failed ${run}: [${report.code}] ${report.reason}`;
  }
}

/** Whether a report is one `--quiet` still prints (it needs an operator). */
export function isAttentionReport(report: MigrationReport): boolean {
  return report.outcome === "refused" || report.outcome === "failed";
}

/** The summary line. */
export function migrationSummaryLine(summary: MigrationSummary): string {
  const source = `"${summary.workflowId}" at version ${summary.fromVersion}`;
  if (summary.examined === 0) return `no waiting runs of ${source}: nothing to do`;
  const counts = [
    summary.dryRun ? `${summary.planned} would move` : `${summary.migrated} moved`,
    `${summary.refused} refused`,
    `${summary.skipped} skipped`,
    ...(summary.failed > 0 ? [`${summary.failed} failed`] : []),
  ].join(", ");
  const scope = `of ${summary.examined} waiting run(s) of ${source} → version ${summary.toVersion}`;
  return summary.dryRun ? `dry run: ${counts} ${scope}; nothing was changed` : `${counts} ${scope}`;
}
