/**
 * Committing a run's start hooks (`hook:onStart`, see `dsl/hooks.ts`) in one transaction: a
 * compare-and-set on their record; then, as they said, the run's first group starts
 * (`started`), or the run ends `CANCELLED` (`skipped`: `shouldRun` said no), or the hooks are
 * retried, or — out of attempts — the run fails.
 */
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { StoredError } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { endRunEarly } from "../run/end-run.js";
import { failRunPatch, startGroup } from "../run/progression.js";
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

/** How a run's start hooks ended. */
export type StartHookResult =
  | { kind: "started" }
  | { kind: "skipped" }
  | { kind: "failed"; error: StoredError; retry: RetryDecision | undefined };

/** The reason a run `shouldRun` turned down is cancelled with. */
export const SKIPPED_REASON = "skipped: shouldRun returned false";

/** Commits `result` of the start hooks' attempt `target`. */
export async function commitStartHook(
  deps: KernelDeps,
  workflow: AnyWorkflow,
  target: AttemptTarget,
  result: StartHookResult,
): Promise<CommitOutcome> {
  const { record } = target;
  try {
    return await inTransaction(deps, async (uow) => {
      const run = await uow.tx.getRun(record.runId, { forUpdate: true });
      if (run?.status !== "RUNNING") {
        await settleJob(deps, uow, target, "complete");
        return { kind: "stale", status: run?.status ?? null };
      }
      const retryAt = result.kind === "failed" ? result.retry?.at : undefined;
      const settled = await settleAuxiliaryRecord(
        deps,
        uow,
        target,
        result.kind === "failed" ? result : { kind: "succeeded" },
      );
      if (!settled) return { kind: "duplicate" };
      if (result.kind !== "failed") {
        await settleJob(deps, uow, target, "complete");
        uow.event(run, "workflow.hook.completed", {
          hook: "onStart",
          attempt: target.attempt,
          ...(result.kind === "skipped" ? { skipped: true } : {}),
        });
        if (result.kind === "skipped") {
          const ended = await endRunEarly(uow, deps, run, {
            status: "CANCELLED",
            error: { code: "CANCELLED", message: SKIPPED_REASON },
            event: {
              type: "workflow.cancelled",
              payload: { reason: SKIPPED_REASON, skipped: true },
            },
          });
          return { kind: "committed", run: ended };
        }
        const started = await startGroup(deps, uow, run, workflow, 0);
        const patch = { currentGroup: 0, groupRemaining: started.stages.length };
        return { kind: "committed", run: await commitRun(uow, run, patch) };
      }
      const how = retryAt ? { error: result.error, retryAt } : { error: result.error };
      if ((await settleJob(deps, uow, target, how)) === false) throw new AttemptSuperseded();
      const error = errorPayload(result.error);
      if (retryAt) {
        uow.event(run, "workflow.hook.retry", {
          hook: "onStart",
          attempt: target.attempt,
          retryAt: retryAt.toISOString(),
          error,
        });
        return { kind: "committed", run: await commitRun(uow, run, {}) };
      }
      uow.event(run, "workflow.hook.failed", { hook: "onStart", attempt: target.attempt, error });
      return {
        kind: "committed",
        run: await commitRun(uow, run, failRunPatch(uow, run, result.error)),
      };
    });
  } catch (error) {
    if (error instanceof AttemptSuperseded) return { kind: "superseded" };
    throw error;
  }
}
