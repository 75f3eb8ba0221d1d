/**
 * A run with its stages, for `ratchet status` and `run --wait`: as text, and as the JSON
 * object `--json` prints — with the workflow version it started on, its parent run, what each
 * waiting stage waits for, its child runs (when given) and, for a run waiting for a worker,
 * what it waits for.
 */
import {
  decodeValue,
  type RunInspection,
  type RunRecord,
  type StageRecord,
  stageWaitOf,
} from "@ratchet/kernel";
import { describeWaitingFor, type WaitingFor } from "../deploys/waiting-for.js";
import { errorText, formatDuration, phaseSymbol, statusText } from "./format.js";
import { inspectionStageLines } from "./inspection.js";
import { childJson, childrenLines, type RunChildren, waitJson, waitText } from "./run-links.js";
import { padEnd, type Style } from "./style.js";
import { formatTimestamp, renderValue } from "./values.js";

const STAGE_PHASES = {
  PENDING: "pending",
  RUNNING: "running",
  SUSPENDED: "suspended",
  COMPLETED: "completed",
  FAILED: "failed",
  CANCELLED: "cancelled",
  SKIPPED: "skipped",
} as const;

/**
 * Stages in workflow order: by group, then by position in `stageIds` (the workflow's order,
 * when known), then by id.
 */
export function orderStages(
  stages: readonly StageRecord[],
  stageIds: readonly string[] = [],
): StageRecord[] {
  const position = (id: string) => {
    const index = stageIds.indexOf(id);
    return index === -1 ? Number.MAX_SAFE_INTEGER : index;
  };
  return [...stages].sort(
    (a, b) =>
      a.groupIndex - b.groupIndex ||
      position(a.stageId) - position(b.stageId) ||
      a.stageId.localeCompare(b.stageId),
  );
}

/** `1 (fingerprint 3f9c…)`, or `(unversioned)` for a run stored before versions. */
function versionText(run: RunRecord): string {
  return run.fingerprint === ""
    ? "(unversioned)"
    : `${run.workflowVersion} (fingerprint ${run.fingerprint})`;
}

function durationMs(start: Date | null, end: Date | null): number | null {
  return start && end ? end.getTime() - start.getTime() : null;
}

/**
 * The JSON view of a run and its stages (values decoded; dates become ISO strings), with
 * `wait` on each waiting stage, `children` when given, `waitingFor` when the run waits for
 * a worker, and the run's `inspection` when given (each stage's live state, attempts, lease,
 * and the timeline).
 */
export function runJson(
  run: RunRecord,
  stages: readonly StageRecord[],
  stageIds: readonly string[] = [],
  waitingFor?: WaitingFor,
  children?: RunChildren,
  inspection?: RunInspection,
): Record<string, unknown> {
  return {
    run: {
      id: run.id,
      workflowId: run.workflowId,
      workflowVersion: run.workflowVersion,
      fingerprint: run.fingerprint,
      status: run.status,
      priority: run.priority,
      idempotencyKey: run.idempotencyKey,
      parentRunId: run.parentRunId,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      completedAt: run.completedAt,
      durationMs: durationMs(run.startedAt ?? run.createdAt, run.completedAt),
      input: decodeValue(run.input),
      output: run.output === null ? null : decodeValue(run.output),
      error: run.error,
      metadata: decodeValue(run.metadata),
    },
    stages: orderStages(stages, stageIds).map((stage) => {
      const wait = stageWaitOf(stage);
      return {
        stageId: stage.stageId,
        groupIndex: stage.groupIndex,
        status: stage.status,
        attempt: stage.attempt,
        startedAt: stage.startedAt,
        completedAt: stage.completedAt,
        durationMs: durationMs(stage.startedAt, stage.completedAt),
        progress: stage.progress,
        error: stage.error,
        ...(wait === null ? {} : { wait: waitJson(wait) }),
      };
    }),
    ...(children === undefined
      ? {}
      : { children: children.runs.map(childJson), moreChildren: children.more }),
    ...(waitingFor === undefined ? {} : { waitingFor }),
    ...(inspection === undefined ? {} : { inspection }),
  };
}

/**
 * The text view of a run and its stages: its parent, what each waiting stage waits for, its
 * children (when given), and a line saying what it waits for, if it waits for a worker. With
 * an inspection, the stages are shown from it (running included, attempt of max, lease,
 * next retry, earlier attempts' errors).
 */
export function renderRunDetails(
  run: RunRecord,
  stages: readonly StageRecord[],
  style: Style,
  stageIds: readonly string[] = [],
  waitingFor?: WaitingFor,
  children?: RunChildren,
  inspection?: RunInspection,
): string[] {
  const field = (name: string, value: string) => `${style.dim(padEnd(name, 9))} ${value}`;
  const lines = [field("run", style.bold(run.id))];
  if (run.parentRunId !== null) lines.push(field("parent", run.parentRunId));
  lines.push(
    field("workflow", run.workflowId),
    field("version", versionText(run)),
    field("status", statusText(run.status, style)),
  );
  if (waitingFor !== undefined)
    lines.push(`${" ".repeat(10)}${style.yellow(describeWaitingFor(waitingFor))}`);
  lines.push(field("created", formatTimestamp(run.createdAt)));
  if (run.startedAt) lines.push(field("started", formatTimestamp(run.startedAt)));
  if (run.completedAt) {
    lines.push(field("ended", formatTimestamp(run.completedAt)));
    lines.push(
      field(
        "duration",
        formatDuration(durationMs(run.startedAt ?? run.createdAt, run.completedAt) ?? undefined),
      ),
    );
  }
  const sorted = orderStages(stages, stageIds);
  if (inspection) lines.push(...inspectionStageLines(inspection, style, stageIds));
  else if (sorted.length > 0) {
    const width = Math.max(...sorted.map((s) => s.stageId.length));
    lines.push("", style.bold("stages"));
    for (const stage of sorted) {
      const took = formatDuration(durationMs(stage.startedAt, stage.completedAt) ?? undefined);
      const error = stage.error ? `  ${style.red(errorText(stage.error))}` : "";
      lines.push(
        `  ${phaseSymbol(STAGE_PHASES[stage.status], style)} ${padEnd(stage.stageId, width)}  ${padEnd(stage.status, 9)}  attempt ${stage.attempt}  ${padEnd(took, 9)}${error}`.trimEnd(),
      );
      const wait = stageWaitOf(stage);
      if (wait !== null)
        lines.push(
          `    ${" ".repeat(width)}  ${style.yellow(waitText(wait, run.id, stage.stageId))}`,
        );
    }
  }
  if (children !== undefined) lines.push(...childrenLines(children, style));
  if (run.status === "COMPLETED" && run.output !== null)
    lines.push("", style.bold("output"), ...renderValue(decodeValue(run.output), style));
  if (run.error) {
    const where = run.error.stageId ? ` (stage: ${run.error.stageId})` : "";
    lines.push("", style.bold("error"), `  ${style.red(errorText(run.error))}${where}`);
  }
  return lines;
}
