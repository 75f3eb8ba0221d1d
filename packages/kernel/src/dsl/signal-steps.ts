/**
 * Signal and approval steps: the run waits (its stage `SUSPENDED`, no process waiting) until a
 * signal arrives through `run.signal` — or a decision through `approval.decide` — or the wait
 * times out. A signal sent before the step is reached is buffered and consumed when it is.
 */
import { z } from "zod";
import { NonRetryableError, WorkflowDefinitionError } from "../errors.js";
import type { StepView } from "./context.js";
import type { AnyStage } from "./stage.js";
import { anything, checkId, flowStage, needFunction, stepView } from "./steps.js";
import { unexpectedResolution, type WaitOutcome, type WaitResolution, waitFor } from "./waits.js";

/** What a signal step hands on: the signal, or that none came in time. */
export type SignalResult<T> =
  | { received: true; payload: T; signalId: string; receivedAt: Date }
  | { received: false; timedOut: true; at: Date };

/** Options of a signal step. */
export interface WaitForSignalOptions<TPrev = unknown, T = unknown> {
  /** The signal's name (default: the step id). 1–200 characters. */
  name?: string;
  /** Checks the payload, when it is sent and when it is consumed (default: anything). */
  schema?: z.ZodType<T>;
  /**
   * Wait by key instead of by run: the step takes the oldest signal sent with this name and
   * key (e.g. an order id) by anyone who does not know the run's id.
   */
  key?: (ctx: StepView<TPrev>) => string | Promise<string>;
  /** Stop waiting after this long (ms): the output is `{ received: false, timedOut: true }`. */
  timeoutMs?: number;
}

/** The signal an approval step waits for: `approval:<step id>`. */
export function approvalSignalName(stepId: string): string {
  return `approval:${stepId}`;
}

/** A decision on an approval, as `approval.decide` sends it. */
export const approvalDecisionSchema = z.object({
  decision: z.enum(["approve", "reject"]),
  by: z.string().min(1).max(200),
  comment: z.string().max(4000).optional(),
});

/** A decision on an approval. */
export type ApprovalDecisionInput = z.infer<typeof approvalDecisionSchema>;

/** What an approval step hands on. */
export interface ApprovalResult {
  status: "approved" | "rejected" | "expired";
  /** Who decided; `null` when it expired. */
  by: string | null;
  comment: string | null;
  decidedAt: Date;
}

/** Options of an approval step. */
export interface ApprovalStepOptions {
  /** What is to be approved, shown in lists of pending approvals. */
  title?: string;
  /** Only these people may decide (`by`); anyone when absent. */
  approvers?: readonly string[];
  /** The approval expires after this long (ms): `status: "expired"` (or see `onExpire`). */
  timeoutMs?: number;
  /** What expiry does: hand on `status: "expired"` (default) or fail with `APPROVAL_EXPIRED`. */
  onExpire?: "expire" | "fail";
  /** Publish `workflow.approval.escalated` if still undecided after this long (ms). */
  escalateAfterMs?: number;
}

function checkMs(id: string, what: string, field: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 1) {
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] ${what} "${id}": ${field} must be a number of ms >= 1`,
      { stageId: id, field },
    );
  }
}

const MAX_NAME = 200;

/** A signal step (see `WorkflowBuilder.waitForSignal`). */
export function waitForSignalStep<TPrev, T>(
  id: string,
  options: WaitForSignalOptions<TPrev, T> = {},
): AnyStage {
  checkId(id, "waitForSignal");
  const name = options.name ?? id;
  if (typeof name !== "string" || name.length === 0 || name.length > MAX_NAME) {
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] waitForSignal "${id}": name must be a string of 1–${MAX_NAME} characters`,
      { stageId: id, field: "name" },
    );
  }
  if (name.startsWith("child:") || name.startsWith("approval:")) {
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] waitForSignal "${id}": names starting with "child:" or "approval:" are the kernel's own`,
      { stageId: id, field: "name" },
    );
  }
  if (options.key !== undefined) needFunction(id, "key", options.key);
  if (options.timeoutMs !== undefined) checkMs(id, "waitForSignal", "timeoutMs", options.timeoutMs);
  const schema: z.ZodType = options.schema ?? anything;
  const waitOutput = (resolution: WaitResolution): WaitOutcome => {
    if (resolution.kind === "timeout")
      return { output: { received: false, timedOut: true, at: resolution.at } };
    if (resolution.kind !== "signal") return unexpectedResolution(id, resolution.kind);
    const parsed = schema.safeParse(resolution.payload);
    if (!parsed.success) return invalidPayload(id, name, parsed.error);
    return {
      output: {
        received: true,
        payload: parsed.data,
        signalId: resolution.signalId,
        receivedAt: resolution.receivedAt,
      },
    };
  };
  return flowStage(
    id,
    "signal",
    undefined,
    false,
    async (ctx) => {
      const matchKey = options.key ? await keyOf(id, options.key, stepView<TPrev>(ctx), ctx) : null;
      return waitFor({ kind: "signal", name, matchKey, timeoutMs: options.timeoutMs ?? null });
    },
    { waitOutput, waitsFor: Object.freeze({ name, schema }), timeoutMs: undefined },
  );
}

/** An approval step (see `WorkflowBuilder.approval`). */
export function approvalStep(id: string, options: ApprovalStepOptions = {}): AnyStage {
  checkId(id, "approval");
  if (options.timeoutMs !== undefined) checkMs(id, "approval", "timeoutMs", options.timeoutMs);
  if (options.escalateAfterMs !== undefined)
    checkMs(id, "approval", "escalateAfterMs", options.escalateAfterMs);
  if (
    options.onExpire !== undefined &&
    options.onExpire !== "expire" &&
    options.onExpire !== "fail"
  )
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] approval "${id}": onExpire must be "expire" or "fail"`,
      { stageId: id, field: "onExpire" },
    );
  const approvers = options.approvers ? [...options.approvers] : undefined;
  if (approvers !== undefined && (approvers.length === 0 || approvers.some((a) => !a)))
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] approval "${id}": approvers must be a non-empty list of names`,
      { stageId: id, field: "approvers" },
    );
  const name = approvalSignalName(id);
  const waitOutput = (resolution: WaitResolution): WaitOutcome => {
    if (resolution.kind === "timeout") {
      if (options.onExpire === "fail")
        return {
          error: {
            code: "APPROVAL_EXPIRED",
            message: `[ratchet] approval "${id}" was not decided in time`,
            stageId: id,
          },
          retryable: false,
        };
      return { output: { status: "expired", by: null, comment: null, decidedAt: resolution.at } };
    }
    if (resolution.kind !== "signal") return unexpectedResolution(id, resolution.kind);
    const parsed = approvalDecisionSchema.safeParse(resolution.payload);
    if (!parsed.success) return invalidPayload(id, name, parsed.error);
    const decision = parsed.data;
    return {
      output: {
        status: decision.decision === "approve" ? "approved" : "rejected",
        by: decision.by,
        comment: decision.comment ?? null,
        decidedAt: resolution.receivedAt,
      } satisfies ApprovalResult,
    };
  };
  return flowStage(
    id,
    "approval",
    undefined,
    false,
    async () =>
      waitFor({
        kind: "approval",
        name,
        matchKey: null,
        timeoutMs: options.timeoutMs ?? null,
        escalateAfterMs: options.escalateAfterMs ?? null,
      }),
    {
      waitOutput,
      waitsFor: Object.freeze({ name, schema: approvalDecisionSchema }),
      approval: Object.freeze({
        ...(options.title !== undefined ? { title: options.title } : {}),
        ...(approvers ? { approvers: Object.freeze(approvers) } : {}),
      }),
      timeoutMs: undefined,
    },
  );
}

async function keyOf<TPrev>(
  id: string,
  key: (ctx: StepView<TPrev>) => string | Promise<string>,
  view: StepView<TPrev>,
  ctx: { workflowRunId: string },
): Promise<string> {
  const value = await key(view);
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_NAME) {
    throw new NonRetryableError(
      `[ratchet] waitForSignal "${id}": key must return a string of 1–${MAX_NAME} characters`,
      { code: "INVALID_SIGNAL_KEY", stageId: id, workflowRunId: ctx.workflowRunId },
    );
  }
  return value;
}

function invalidPayload(id: string, name: string, error: z.ZodError): WaitOutcome {
  return {
    error: {
      code: "INVALID_SIGNAL_PAYLOAD",
      message: `[ratchet] signal "${name}" for step "${id}" does not match its schema: ${error.issues
        .map((i) => `${i.path.join(".") || "payload"}: ${i.message}`)
        .join("; ")}`,
      stageId: id,
    },
    retryable: false,
  };
}
