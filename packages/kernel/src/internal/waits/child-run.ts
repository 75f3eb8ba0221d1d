/**
 * Creating a child run: checked before the parent's transaction (an invalid input fails the
 * parent's step with a typed error, nothing written), inserted in it (the child exists exactly
 * when the parent's stage waits for it).
 */

import { encodeValue } from "../../codec.js";
import type { ChildWaitRequest } from "../../dsl/waits.js";
import { InvalidInputError, NonRetryableError } from "../../errors.js";
import type { NewRun, RunRecord } from "../../records.js";
import { inheritedTraceContext } from "../../telemetry/trace-context.js";
import type { KernelDeps } from "../kernel-deps.js";
import { concurrencyKeyOf } from "../run/concurrency-key.js";
import { pendingRun, type UnitOfWork } from "../tx/unit-of-work.js";
import { checkPayloadSize } from "../values/payload-size.js";
import { zodIssues } from "../values/zod-issues.js";

/** A child run ready to insert. */
export interface PreparedChild {
  run: NewRun;
}

/** Checks and encodes the child run `request` asks for (throws typed, non-retryable errors). */
export function prepareChild(
  deps: KernelDeps,
  parent: RunRecord,
  request: Pick<ChildWaitRequest, "workflowId" | "input" | "priority">,
  id: string = deps.newId(),
): PreparedChild {
  const workflow = deps.registry.getWorkflow(request.workflowId);
  if (!workflow) {
    throw new NonRetryableError(
      `[ratchet] child workflow "${request.workflowId}" is not registered with this kernel`,
      { code: "WORKFLOW_NOT_FOUND", workflowId: request.workflowId, workflowRunId: parent.id },
    );
  }
  const parsed = workflow.inputSchema.safeParse(request.input);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error, "input");
    throw new InvalidInputError(
      `[ratchet] input of child workflow "${workflow.id}" is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      issues,
      { workflowId: workflow.id, workflowRunId: parent.id },
    );
  }
  const input = encodeValue(parsed.data, "input");
  checkPayloadSize(input, deps.options.maxPayloadBytes, "input", { workflowId: workflow.id });
  const config = encodeValue(
    Object.fromEntries(
      workflow.groups.flat().map((stage) => [stage.id, stage.schemas.config.parse({})]),
    ),
    "config",
  );
  const concurrencyKey = concurrencyKeyOf(workflow, parsed.data, deps.options.defaultConcurrency);
  return {
    run: {
      id,
      workflowId: workflow.id,
      workflowVersion: workflow.version,
      fingerprint: workflow.fingerprint,
      priority: request.priority ?? parent.priority,
      input,
      config: config as NewRun["config"],
      // The parent's trace: the child's stages join it.
      metadata: inheritedTraceContext(parent.metadata),
      ...(concurrencyKey !== null ? { concurrencyKey } : {}),
      idempotencyKey: null,
      eventSeq: 1,
      createdAt: deps.clock.now(),
      parentRunId: parent.id,
    },
  };
}

/** Inserts the child run and its `workflow.created` event in the parent's transaction. */
export async function insertChild(
  uow: UnitOfWork,
  deps: KernelDeps,
  child: PreparedChild,
  held = false,
): Promise<void> {
  const run = await uow.tx.createRun({
    ...child.run,
    createdAt: uow.now,
    ...(held ? { status: "SCHEDULED" as const } : {}),
  });
  if (!held) uow.ready(pendingRun(run, uow.now));
  await uow.tx.appendOutboxEvents([
    {
      id: deps.newId(),
      runId: run.id,
      sequence: 1,
      type: "workflow.created",
      payload: {
        workflowId: run.workflowId,
        priority: run.priority,
        parentRunId: child.run.parentRunId ?? null,
      },
      occurredAt: uow.now,
    },
  ]);
}
