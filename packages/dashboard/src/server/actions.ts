/**
 * The dashboard's actions on a run — cancel, rerun from a stage, retry a failed run, approve or
 * reject a pending approval — each a kernel command through `dispatch`, and each recorded
 * (see {@link recordAction}).
 */
import { randomUUID } from "node:crypto";
import type { Kernel, LogRecord } from "@ratchet/kernel";
import { HttpError } from "./http.js";
import type { AuditEntry } from "./options.js";

/** The actions, by the last segment of their URL (`POST /api/runs/<id>/<action>`). */
export const ACTIONS = ["cancel", "rerun", "retry", "approve", "reject"] as const;
/** One of {@link ACTIONS}. */
export type ActionName = (typeof ACTIONS)[number];

/** An action asked for. */
export interface ActionRequest {
  action: ActionName;
  runId: string;
  /** `rerun`: the stage to rerun from; `approve`/`reject`: the approval step. */
  stageId: string | null;
  /** Who acts, as the page says (for the audit line and `approval.decide`'s `by`). */
  by: string;
  comment: string | undefined;
}

function text(body: Record<string, unknown>, key: string, max: number): string | undefined {
  const value = body[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string" || value.length > max)
    throw new HttpError(
      400,
      "INVALID_BODY",
      `${key} must be a string of at most ${max} characters`,
    );
  return value;
}

/** Whether `name` is one of {@link ACTIONS}. */
export function isActionName(name: string): name is ActionName {
  return (ACTIONS as readonly string[]).includes(name);
}

/** The action a body asks for (400 when a field it needs is missing). */
export function actionRequestOf(
  action: ActionName,
  runId: string,
  body: Record<string, unknown>,
): ActionRequest {
  const stageId = text(body, "stageId", 200) ?? null;
  if ((action === "rerun" || action === "approve" || action === "reject") && stageId === null)
    throw new HttpError(400, "INVALID_BODY", `${action} needs stageId`);
  return {
    action,
    runId,
    stageId,
    by: text(body, "by", 200) ?? "anonymous",
    comment: text(body, "comment", 2000),
  };
}

/** Dispatches the action's kernel command; resolves to the command's result. */
export function performAction(
  dispatch: Kernel["dispatch"],
  request: ActionRequest,
): Promise<unknown> {
  const { runId: workflowRunId, stageId, by } = request;
  switch (request.action) {
    case "cancel":
      return dispatch({
        type: "run.cancel",
        workflowRunId,
        reason: `cancelled from the dashboard by ${by}`,
      });
    case "rerun":
      return dispatch({ type: "run.rerunFrom", workflowRunId, fromStageId: stageId ?? "" });
    case "retry":
      return dispatch({ type: "run.retry", workflowRunId });
    default:
      return dispatch({
        type: "approval.decide",
        workflowRunId,
        stageId: stageId ?? "",
        decision: request.action,
        by,
        ...(request.comment === undefined ? {} : { comment: request.comment }),
      });
  }
}

/** The audit line of an action, as written to the run's logs. */
export function auditLogRecord(entry: AuditEntry): LogRecord {
  const stage = entry.stageId === null ? "" : ` ${entry.stageId}`;
  return {
    id: randomUUID(),
    runId: entry.runId,
    stageId: null,
    level: entry.result === "ok" ? "info" : "warn",
    message: `dashboard: ${entry.action}${stage} by ${entry.by} from ${entry.remote}: ${entry.result}`,
    data: {
      source: "dashboard",
      action: entry.action,
      stageId: entry.stageId,
      by: entry.by,
      remote: entry.remote,
      authenticated: entry.authenticated,
      result: entry.result,
      detail: entry.detail,
    },
    createdAt: entry.at,
  };
}

/**
 * Records an action: into the run's logs (when `appendLogs` is given and the run exists) and
 * through `audit`. A failure to write the log line is reported through `audit`'s entry detail
 * and never hides the action's own result.
 */
export async function recordAction(
  entry: AuditEntry,
  appendLogs: ((logs: readonly LogRecord[]) => Promise<void>) | undefined,
  audit: ((entry: AuditEntry) => void) | undefined,
): Promise<void> {
  let recorded = entry;
  if (appendLogs && !/RUN_NOT_FOUND/.test(entry.detail)) {
    try {
      await appendLogs([auditLogRecord(entry)]);
    } catch (error) {
      recorded = {
        ...entry,
        detail: `${entry.detail} (the run's audit log line could not be written: ${error instanceof Error ? error.message : String(error)})`,
      };
    }
  }
  audit?.(recorded);
}
