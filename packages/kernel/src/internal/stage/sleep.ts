/**
 * Durable sleep: a sleep step's stage is `SUSPENDED` with no poll time, and a `stage.wake`
 * command is scheduled for when it ends — both in the stage's transaction (or the wake-up
 * first, when the scheduler cannot join it: an early wake-up finds nothing to do and the
 * scheduler hands it out again). Nothing waits in any process.
 */
import { encodeValue } from "../../codec.js";
import type { Sleep } from "../../dsl/flow.js";
import { toStoredError } from "../../errors.js";
import type { ScheduleRequest } from "../../ports/scheduler.js";
import type { StoredError } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { runCorrelationPrefix } from "../run/correlation.js";
import { inTransaction } from "../tx/unit-of-work.js";
import { type AttemptTarget, type CommitOutcome, lockRunFor } from "./outcome.js";
import { commitSuspension, markSuspended } from "./suspension.js";

/** Correlation id of a stage record's wake-up (under the run's prefix, so cancelling clears it). */
export function wakeCorrelationId(runId: string, stageRecordId: string): string {
  return `${runCorrelationPrefix(runId)}:wake:${stageRecordId}`;
}

/** Puts a sleep step to sleep until its time; its input is kept to be handed on when it wakes. */
export async function settleSleep(
  deps: KernelDeps,
  target: AttemptTarget,
  sleep: Sleep,
  input: unknown,
): Promise<{ outcome: CommitOutcome; until: Date } | { error: StoredError }> {
  const now = deps.clock.now();
  const until =
    sleep.until instanceof Date && !Number.isNaN(sleep.until.getTime())
      ? sleep.until
      : new Date(now.getTime() + Math.max(0, Number(sleep.delayMs) || 0));
  let state: ReturnType<typeof encodeValue>;
  try {
    state = encodeValue({ input }, "input");
  } catch (error) {
    return { error: toStoredError(error, target.record.stageId) };
  }
  const { record } = target;
  const wake: ScheduleRequest = {
    type: "stage.wake",
    correlationId: wakeCorrelationId(record.runId, record.id),
    payload: { workflowRunId: record.runId, stageRecordId: record.id },
    runAt: until,
  };
  if (!deps.scheduler.joinsTransactions) await deps.scheduler.schedule(wake);
  const outcome = await inTransaction(deps, async (uow): Promise<CommitOutcome> => {
    const locked = await lockRunFor(deps, uow, target);
    if ("outcome" in locked) return locked.outcome;
    const { run } = locked;
    const marked = await markSuspended(deps, uow, run, target, {
      suspendedState: state,
      pollConfig: { sleepUntil: until.toISOString() },
      nextPollAt: null,
    });
    if (!marked) return { kind: "duplicate" };
    if (deps.scheduler.joinsTransactions)
      await uow.schedule((scope) => deps.scheduler.schedule(wake, scope));
    uow.event(run, "workflow.step.sleeping", {
      stageId: record.stageId,
      attempt: target.attempt,
      until: until.toISOString(),
    });
    return commitSuspension(deps, uow, run, target);
  });
  return { outcome, until };
}
