/**
 * `stage.pollSuspended`: checks due suspended async-batch stages. Each is leased to this
 * caller first, so two hosts never check the same stage at once. A ready stage completes (and
 * may complete its group and the run) in one transaction; an error fails it; otherwise the
 * next check is scheduled.
 */

import { z } from "zod";
import { decodeValue } from "../codec.js";
import { toStoredError } from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { StageAbort } from "../internal/stage/abort.js";
import { commitFailed } from "../internal/stage/commit-failed.js";
import { createCompletionContext } from "../internal/stage/context.js";
import { loadOutputs } from "../internal/stage/outputs.js";
import { resumeSuspended, suspendedTarget } from "../internal/stage/resume-suspended.js";
import { commitLockedRun, inTransaction } from "../internal/tx/unit-of-work.js";
import type { JsonObject, StageRecord, StoredError } from "../records.js";
import { defineCommand } from "./command.js";
import { id, isId, isPositiveInt, optional, positiveInt } from "./fields.js";

/** Checks suspended async-batch stages that are due. */
export interface StagePollSuspendedCommand {
  type: "stage.pollSuspended";
  workerId: string;
  /** Most stages to check (default 10). */
  maxChecks?: number;
}

/** Result of `stage.pollSuspended`. */
export interface StagePollSuspendedResult {
  checked: number;
  resumed: number;
  failed: number;
  stillWaiting: number;
  /** The earliest next check of the stages checked here that are still waiting (hosts tick then). */
  nextCheckAt?: Date;
}

/** Handles `stage.pollSuspended`. */
export async function stagePollSuspended(
  command: StagePollSuspendedCommand,
  deps: KernelDeps,
): Promise<StagePollSuspendedResult> {
  const claimed = await deps.persistence.claimSuspendedStages({
    now: deps.clock.now(),
    limit: command.maxChecks ?? 10,
    leaseMs: deps.options.pollLeaseMs,
    routes: deps.registry.routes(),
  });
  const result: StagePollSuspendedResult = { checked: 0, resumed: 0, failed: 0, stillWaiting: 0 };
  for (const record of claimed) {
    const { outcome, nextPollAt } = await checkOne(deps, record);
    result.checked++;
    result[outcome]++;
    if (nextPollAt && !(result.nextCheckAt && result.nextCheckAt <= nextPollAt))
      result.nextCheckAt = nextPollAt;
  }
  return result;
}

type CheckOutcome = { outcome: "resumed" | "failed" | "stillWaiting"; nextPollAt?: Date };

async function checkOne(deps: KernelDeps, record: StageRecord): Promise<CheckOutcome> {
  const run = await deps.persistence.getRun(record.runId);
  if (run?.status !== "RUNNING") return { outcome: "stillWaiting" };
  const workflow = deps.registry.getDefinition(run);
  const stage = workflow?.getStage(record.stageId)?.stage;
  if (!workflow || !stage?.checkCompletion) return { outcome: "stillWaiting" };

  const poll = (record.pollConfig ?? {}) as JsonObject;
  const intervalMs = typeof poll.pollIntervalMs === "number" ? poll.pollIntervalMs : 60_000;
  const checks = typeof poll.checks === "number" ? poll.checks : 0;
  const suspendedAt =
    typeof poll.suspendedAt === "string" ? new Date(poll.suspendedAt) : record.updatedAt;
  const target = suspendedTarget(workflow, run, record, suspendedAt);

  const records = await deps.persistence.listStages(run.id);
  const outputs = await loadOutputs(
    deps,
    deps.persistence,
    records.filter((r) => r.groupIndex < record.groupIndex && r.status === "COMPLETED"),
  );
  const abort = new StageAbort();
  const unregister = deps.inFlight.register(run.id, `poll:${record.id}`, abort);
  const { ctx, reports } = createCompletionContext(deps, {
    workflowId: workflow.id,
    workflowRunId: run.id,
    stageId: record.stageId,
    attempt: record.attempt,
    maxAttempts: record.attempt,
    config: decodeValue((run.config as JsonObject)[record.stageId] ?? {}),
    outputs,
    metadata: decodeValue<Record<string, unknown>>(run.metadata),
    runInput: run.input,
    abort,
    checks,
  });
  target.reports = reports;
  const now = deps.clock.now();
  const maxPollErrors =
    typeof poll.maxPollErrors === "number" ? poll.maxPollErrors : deps.options.maxPollErrors;
  let check: Awaited<ReturnType<NonNullable<typeof stage.checkCompletion>>>;
  let thrown: StoredError | undefined;
  let errorsInRow = 0;
  try {
    check = await stage.checkCompletion(decodeValue(record.suspendedState), ctx);
  } catch (error) {
    // A throwing check is retried at the next interval, like a check that is not ready, until
    // `maxPollErrors` checks in a row have thrown.
    check = { ready: false };
    thrown = toStoredError(error, record.stageId);
    errorsInRow = (typeof poll.errors === "number" ? poll.errors : 0) + 1;
    reports.logs.push({
      id: deps.newId(),
      runId: run.id,
      stageId: record.stageId,
      level: "warn",
      message: `checkCompletion threw (${errorsInRow} in a row, the stage fails at ${maxPollErrors}): ${thrown.message}`,
      data: null,
      createdAt: now,
    });
  } finally {
    unregister();
  }

  if (check.ready) {
    const outcome = await resumeSuspended(deps, target, stage, records, check.output, now);
    return { outcome: outcome === "stale" ? "stillWaiting" : outcome };
  }
  if ("error" in check && typeof check.error === "string") {
    await commitFailed(
      deps,
      target,
      {
        code: "code" in check && typeof check.code === "string" ? check.code : "ASYNC_BATCH_FAILED",
        message: check.error,
        stageId: record.stageId,
      },
      undefined,
    );
    return { outcome: "failed" };
  }
  if (thrown !== undefined && errorsInRow >= maxPollErrors) {
    await commitFailed(
      deps,
      target,
      {
        code: "POLL_CHECK_FAILED",
        message: `[ratchet] stage "${record.stageId}": checkCompletion threw on ${errorsInRow} checks in a row; the last error (${thrown.code}): ${thrown.message}`,
        stageId: record.stageId,
        ...(thrown.name === undefined ? {} : { name: thrown.name }),
      },
      undefined,
    );
    return { outcome: "failed" };
  }
  // The limit stored when the stage suspended (null: none). A stage suspended before limits
  // were stored has none, as it had then: a new default must not fail a run already waiting.
  const maxWaitMs = typeof poll.maxWaitMs === "number" ? poll.maxWaitMs : undefined;
  if (maxWaitMs !== undefined && now.getTime() - suspendedAt.getTime() >= maxWaitMs) {
    await commitFailed(
      deps,
      target,
      {
        code: typeof poll.maxWaitCode === "string" ? poll.maxWaitCode : "SUSPEND_TIMEOUT",
        message: `[ratchet] stage "${record.stageId}" did not complete within ${maxWaitMs} ms`,
        stageId: record.stageId,
      },
      undefined,
    );
    return { outcome: "failed" };
  }
  const nextPollAt =
    "nextCheckAt" in check && check.nextCheckAt instanceof Date
      ? check.nextCheckAt
      : new Date(now.getTime() + intervalMs);
  const pollConfig: JsonObject = { ...poll, checks: checks + 1, errors: errorsInRow };
  // The last error stays with the stage (shown while it waits) after later checks answer.
  if (thrown !== undefined) pollConfig.lastError = { code: thrown.code, message: thrown.message };
  const patch = { nextPollAt, pollLeaseUntil: null, pollConfig };
  if (stage.stepType === "poll") {
    // A poll step reports each cycle (`workflow.step.poll`), so the run is locked for its event.
    await inTransaction(
      deps,
      async (uow) => {
        const locked = await uow.tx.getRun(run.id, { forUpdate: true });
        if (locked?.status !== "RUNNING") return;
        const ok = await uow.tx.updateStage(record.id, patch, {
          expected: { status: ["SUSPENDED"] },
          now,
        });
        if (!ok) return;
        if (reports.logs.length > 0) await uow.tx.appendLogs(reports.logs);
        uow.event(locked, "workflow.step.poll", {
          stageId: record.stageId,
          check: checks + 2,
          done: false,
          nextCheckAt: nextPollAt.toISOString(),
        });
        await commitLockedRun(uow, locked, {});
      },
      now,
    );
    return { outcome: "stillWaiting", nextPollAt };
  }
  await deps.persistence.withTransaction(async (tx) => {
    await tx.updateStage(record.id, patch, { expected: { status: ["SUSPENDED"] }, now });
    if (reports.logs.length > 0) await tx.appendLogs(reports.logs);
  });
  return { outcome: "stillWaiting", nextPollAt };
}

/** `stage.pollSuspended`: its schema, fast check and handler. */
export const stagePollSuspendedModule = defineCommand<
  StagePollSuspendedCommand,
  StagePollSuspendedResult
>({
  type: "stage.pollSuspended",
  schema: z.object({
    type: z.literal("stage.pollSuspended"),
    workerId: id,
    maxChecks: positiveInt.optional(),
  }),
  isWellFormed: (c) => isId(c.workerId) && optional(c.maxChecks, isPositiveInt),
  handle: stagePollSuspended,
});
