/**
 * The webhook's body: JSON `{ workflowRunId, stageId, decision, by, comment?, decisionId? }`,
 * checked field by field so a bad one is answered with every problem at once (as the kernel's
 * `INVALID_INPUT` issues are).
 */
import type { ApprovalDecideCommand, ValidationIssue } from "@ratchet/kernel";

/** The command a body asks for, or what is wrong with it. */
export type ParsedDecision =
  | { ok: true; command: ApprovalDecideCommand }
  | { ok: false; message: string; issues: ValidationIssue[] };

/** Limits of `approval.decide`'s fields (ids and `by` 1–200 characters, a comment ≤ 4,000). */
const ID_MAX = 200;
const COMMENT_MAX = 4_000;
const FIELDS = new Set(["workflowRunId", "stageId", "decision", "by", "comment", "decisionId"]);

const decoder = new TextDecoder("utf-8", { fatal: true });

function text(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A problem with a string field, if it has one (`optional`: absent and `null` are fine). */
function stringIssue(
  body: Record<string, unknown>,
  path: string,
  max: number,
  optional = false,
): ValidationIssue | undefined {
  const value = body[path];
  if (optional && (value === undefined || value === null)) return undefined;
  if (typeof value !== "string")
    return {
      path,
      code: "invalid_type",
      message: value === undefined ? "required" : `expected a string, got ${typeof value}`,
    };
  if (value.length === 0 && !(optional && path === "comment"))
    return { path, code: "too_small", message: "must not be empty" };
  if (value.length > max)
    return { path, code: "too_big", message: `must be at most ${max} characters` };
  return undefined;
}

function issuesOf(body: Record<string, unknown>): ValidationIssue[] {
  const issues = [
    stringIssue(body, "workflowRunId", ID_MAX),
    stringIssue(body, "stageId", ID_MAX),
    body.decision === "approve" || body.decision === "reject"
      ? undefined
      : {
          path: "decision",
          code: "invalid_value",
          message: `expected "approve" or "reject"${body.decision === undefined ? "" : `, got ${JSON.stringify(body.decision)}`}`,
        },
    stringIssue(body, "by", ID_MAX),
    stringIssue(body, "comment", COMMENT_MAX, true),
    stringIssue(body, "decisionId", ID_MAX, true),
  ].filter((issue): issue is ValidationIssue => issue !== undefined);
  for (const key of Object.keys(body))
    if (!FIELDS.has(key))
      issues.push({ path: key, code: "unrecognized_keys", message: "unknown field" });
  return issues;
}

/** Parses and checks a body's raw bytes. */
export function parseDecision(bytes: Uint8Array): ParsedDecision {
  const source = text(bytes);
  if (source === undefined) return { ok: false, message: "the body is not UTF-8", issues: [] };
  let body: unknown;
  try {
    body = JSON.parse(source);
  } catch {
    return { ok: false, message: "the body is not JSON", issues: [] };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return { ok: false, message: "the body must be a JSON object", issues: [] };
  const fields = body as Record<string, unknown>;
  const issues = issuesOf(fields);
  if (issues.length > 0)
    return {
      ok: false,
      message: issues.map((issue) => `${issue.path}: ${issue.message}`).join("; "),
      issues,
    };
  const { comment, decisionId } = fields;
  return {
    ok: true,
    command: {
      type: "approval.decide",
      workflowRunId: fields.workflowRunId as string,
      stageId: fields.stageId as string,
      decision: fields.decision as "approve" | "reject",
      by: fields.by as string,
      ...(typeof comment === "string" ? { comment } : {}),
      ...(typeof decisionId === "string" ? { decisionId } : {}),
    },
  };
}
