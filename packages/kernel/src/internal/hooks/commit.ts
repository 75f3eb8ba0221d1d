/**
 * Committing an end hook attempt's result (see `dsl/hooks.ts`), in one transaction: a
 * compare-and-set on its stage record `hook:<name>` (a duplicate delivery or a late attempt
 * changes nothing), the job's settlement (a failure only while the attempt holds its job) and
 * its `workflow.hook.completed` / `.retry` / `.failed` event. The run, ended, keeps its status.
 */
import type { StoredError } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { settleAuxiliaryRecord } from "../stage/auxiliary-attempt.js";
import type { RetryDecision } from "../stage/commit-failed.js";
import {
  AttemptSuperseded,
  type AttemptTarget,
  type CommitOutcome,
  settleJob,
} from "../stage/outcome.js";
import { commitRun, inTransaction } from "../tx/unit-of-work.js";
import { errorPayload } from "../values/error-payload.js";

/** How a hook attempt ended. */
export type HookResult =
  | { kind: "completed" }
  | { kind: "failed"; error: StoredError; retry: RetryDecision | undefined };

/** Commits `result` for the hook attempt `target`. */
export async function commitHook(
  deps: KernelDeps,
  target: AttemptTarget,
  hook: string,
  result: HookResult,
): Promise<CommitOutcome> {
  const { record } = target;
  try {
    return await inTransaction(deps, async (uow) => {
      const run = await uow.tx.getRun(record.runId, { forUpdate: true });
      if (!run) {
        await settleJob(deps, uow, target, "complete");
        return { kind: "stale", status: null };
      }
      const retryAt = result.kind === "failed" ? result.retry?.at : undefined;
      const settled = await settleAuxiliaryRecord(
        deps,
        uow,
        target,
        result.kind === "completed" ? { kind: "succeeded" } : result,
      );
      if (!settled) return { kind: "duplicate" };
      if (result.kind === "completed") {
        await settleJob(deps, uow, target, "complete");
        uow.event(run, "workflow.hook.completed", { hook, attempt: target.attempt });
        return { kind: "committed", run: await commitRun(uow, run, {}) };
      }
      const how = retryAt ? { error: result.error, retryAt } : { error: result.error };
      if ((await settleJob(deps, uow, target, how)) === false) throw new AttemptSuperseded();
      const error = errorPayload(result.error);
      uow.event(
        run,
        retryAt ? "workflow.hook.retry" : "workflow.hook.failed",
        retryAt && result.retry
          ? { hook, attempt: target.attempt, retryAt: retryAt.toISOString(), error }
          : { hook, attempt: target.attempt, error },
      );
      return { kind: "committed", run: await commitRun(uow, run, {}) };
    });
  } catch (error) {
    if (error instanceof AttemptSuperseded) return { kind: "superseded" };
    throw error;
  }
}
