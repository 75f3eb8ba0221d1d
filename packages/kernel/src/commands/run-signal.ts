/**
 * `run.signal`: delivers a named payload to a run — or, with `key` instead of a run id, to
 * whichever run waits for that name and key (e.g. an order id). A signal nobody waits for yet
 * is buffered and consumed, exactly once, by the first step that waits for it. The payload is
 * checked against the waiting step's schema when the run's workflow is known here.
 */
import { z } from "zod";
import { encodeValue } from "../codec.js";
import type { AnyWorkflow } from "../dsl/workflow.js";
import { InvalidSignalPayloadError, RatchetError, RunNotFoundError } from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { inTransaction } from "../internal/tx/unit-of-work.js";
import { checkPayloadSize } from "../internal/values/payload-size.js";
import { zodIssues } from "../internal/values/zod-issues.js";
import { isReservedSignalName, RESERVED_SIGNAL_PREFIXES } from "../internal/waits/correlation.js";
import { type Delivery, deliverSignal } from "../internal/waits/deliver.js";
import { resumeWaitingStage } from "../internal/waits/resume.js";
import { defineCommand } from "./command.js";
import { id, isId, optional } from "./fields.js";

/** Sends a signal to a run, or by key to whichever run waits for it. */
export interface RunSignalCommand {
  type: "run.signal";
  /** The run it is for; omit and give `key` to send it by key. */
  workflowRunId?: string;
  /** The signal's name (the step's `name`, default its id). */
  name: string;
  /** Send by key: the run waiting for `name` with this key takes it. */
  key?: string;
  payload?: unknown;
  /** Makes sending idempotent: a second signal with this id changes nothing. Default: new id. */
  signalId?: string;
  /** With `key`: check the payload against this workflow's step waiting for `name`. */
  workflowId?: string;
}

/** Result of `run.signal`. */
export interface RunSignalResult {
  signalId: string;
  /**
   * `delivered`: a waiting stage took it (and has been resumed); `buffered`: stored for the
   * step that will wait for it; `duplicate`: a signal with this id was sent before.
   */
  status: "delivered" | "buffered" | "duplicate";
  /** The run and stage that took it, when delivered. */
  workflowRunId?: string;
  stageId?: string;
}

const NAME = z.string().min(1).max(200);
const isName = (v: unknown): boolean => typeof v === "string" && v.length >= 1 && v.length <= 200;

/** Handles `run.signal`. */
export async function runSignal(
  command: RunSignalCommand,
  deps: KernelDeps,
): Promise<RunSignalResult> {
  const runId = command.workflowRunId ?? null;
  if ((runId === null) === (command.key === undefined)) {
    throw new RatchetError(
      "INVALID_COMMAND",
      "[ratchet] run.signal needs exactly one of workflowRunId and key",
      { field: runId === null ? "key" : "workflowRunId" },
    );
  }
  if (isReservedSignalName(command.name)) {
    throw new RatchetError(
      "RESERVED_SIGNAL_NAME",
      `[ratchet] signal names starting with ${RESERVED_SIGNAL_PREFIXES.map((p) => `"${p}"`).join(" or ")} are the kernel's own (decide approvals with approval.decide)`,
      { field: "name" },
    );
  }
  const payload = encodeValue(command.payload ?? null, "payload");
  checkPayloadSize(payload, deps.options.maxPayloadBytes, "payload", {});
  const signalId = command.signalId ?? deps.newId();
  if (runId !== null) {
    const run = await deps.persistence.getRun(runId);
    if (!run) throw new RunNotFoundError(runId);
    const workflow = deps.registry.getDefinition(run);
    if (workflow) checkPayload(workflow, command.name, command.payload);
  } else if (command.workflowId !== undefined) {
    const workflow = deps.registry.getWorkflow(command.workflowId);
    if (workflow) checkPayload(workflow, command.name, command.payload);
  }
  const delivery = await inTransaction(deps, (uow) =>
    deliverSignal(uow, deps, {
      id: signalId,
      runId,
      name: command.name,
      matchKey: command.key ?? null,
      payload,
    }),
  );
  return settle(deps, signalId, delivery);
}

/** Resumes the stage a delivery woke (a failure is left to the scheduled resume) and reports. */
export async function settle(
  deps: KernelDeps,
  signalId: string,
  delivery: Delivery,
): Promise<RunSignalResult> {
  if (delivery.status === "run-ended") {
    throw new RatchetError(
      delivery.runStatus === null ? "RUN_NOT_FOUND" : "RUN_ENDED",
      `[ratchet] cannot signal a run that ${delivery.runStatus === null ? "does not exist" : `has ended (${delivery.runStatus})`}`,
      { workflowRunId: delivery.runId },
    );
  }
  if (delivery.status !== "delivered") return { signalId, status: delivery.status };
  try {
    await resumeWaitingStage(deps, delivery.runId, delivery.stageRecordId);
  } catch {
    // The resume entry scheduled with the delivery resumes it instead.
  }
  return {
    signalId,
    status: "delivered",
    workflowRunId: delivery.runId,
    stageId: delivery.stageId,
  };
}

/**
 * Refuses a payload the run's steps waiting for `name` would not accept (`INVALID_SIGNAL_PAYLOAD`,
 * with every issue), and a name no step of the workflow waits for (`UNKNOWN_SIGNAL`).
 */
function checkPayload(workflow: AnyWorkflow, name: string, payload: unknown): void {
  const waiting = workflow.groups.flat().filter((stage) => stage.waitsFor?.name === name);
  if (waiting.length === 0) {
    const known = workflow.groups
      .flat()
      .map((stage) => stage.waitsFor?.name)
      .filter((n): n is string => n !== undefined);
    throw new RatchetError(
      "UNKNOWN_SIGNAL",
      `[ratchet] no step of workflow "${workflow.id}" waits for signal "${name}"${known.length > 0 ? ` (it waits for: ${known.join(", ")})` : ""}`,
      { workflowId: workflow.id, field: "name" },
    );
  }
  for (const stage of waiting) {
    const parsed = stage.waitsFor?.schema.safeParse(payload);
    if (parsed && !parsed.success) {
      const issues = zodIssues(parsed.error, "payload");
      throw new InvalidSignalPayloadError(
        `[ratchet] signal "${name}" for step "${stage.id}" is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
        issues,
        { workflowId: workflow.id, stageId: stage.id, field: issues[0]?.path ?? "payload" },
      );
    }
  }
}

/** `run.signal`: its schema, fast check and handler. */
export const runSignalModule = defineCommand<RunSignalCommand, RunSignalResult>({
  type: "run.signal",
  schema: z.object({
    type: z.literal("run.signal"),
    workflowRunId: id.optional(),
    name: NAME,
    key: NAME.optional(),
    payload: z.unknown().optional(),
    signalId: id.optional(),
    workflowId: id.optional(),
  }),
  isWellFormed: (c) =>
    optional(c.workflowRunId, isId) &&
    isName(c.name) &&
    optional(c.key, isName) &&
    optional(c.signalId, isId) &&
    optional(c.workflowId, isId),
  handle: runSignal,
});
