/**
 * What links a run to others and to the world, for `ratchet status`: the child runs it started,
 * and what each waiting stage waits for (a signal, an approval, a child run, a map's items) — as
 * text and as
 * JSON.
 */
import type { RunRecord, StageWait } from "@ratchet/kernel";
import { runSymbol, statusText } from "./format.js";
import { padEnd, type Style } from "./style.js";
import { formatTimestamp } from "./values.js";

/** The child runs of a run (newest first), and whether more exist than are shown. */
export interface RunChildren {
  runs: readonly RunRecord[];
  more: boolean;
}

/** The JSON view of a stage's wait. */
export function waitJson(wait: StageWait): Record<string, unknown> {
  return {
    kind: wait.kind,
    name: wait.name,
    key: wait.key,
    timeoutAt: wait.timeoutAt,
    childRunId: wait.childRunId,
    map: wait.map,
    resolved: wait.resolved,
  };
}

/** `waits for signal "payment" (key o-7) until 2026-03-01 10:01:00Z`, and the like. */
export function waitText(wait: StageWait, runId: string, stageId: string): string {
  const until = wait.timeoutAt ? ` until ${formatTimestamp(wait.timeoutAt)}` : "";
  const resolved = wait.resolved ? "; it has ended, the step resumes at its next check" : "";
  switch (wait.kind) {
    case "approval":
      return `waits for an approval${wait.timeoutAt ? `, expires ${formatTimestamp(wait.timeoutAt)}` : ""} (ratchet approve ${runId} ${stageId})${resolved}`;
    case "child":
      return `waits for child run ${wait.childRunId ?? wait.name.replace(/^child:/, "")}${resolved}`;
    case "map":
      return `waits for its items: ${wait.map?.ended ?? 0} of ${wait.map?.items ?? 0} ended, ${wait.map?.concurrency ?? 0} at a time${resolved}`;
    default:
      return `waits for signal "${wait.name}"${wait.key === null ? "" : ` (key ${wait.key})`}${until}${resolved}`;
  }
}

/** The JSON view of a child run. */
export function childJson(run: RunRecord): Record<string, unknown> {
  return {
    id: run.id,
    workflowId: run.workflowId,
    status: run.status,
    createdAt: run.createdAt,
    completedAt: run.completedAt,
  };
}

/** The `children` section: one line per child run, and a note when more exist. */
export function childrenLines(children: RunChildren, style: Style): string[] {
  if (children.runs.length === 0) return [];
  const width = Math.max(...children.runs.map((run) => run.workflowId.length));
  const lines = ["", style.bold("children")];
  for (const run of children.runs)
    lines.push(
      `  ${runSymbol(run.status, style)} ${run.id}  ${padEnd(run.workflowId, width)}  ${statusText(run.status, style)}`,
    );
  if (children.more)
    lines.push(style.dim(`  … and more (the newest ${children.runs.length} are shown)`));
  return lines;
}
