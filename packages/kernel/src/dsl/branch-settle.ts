/**
 * `parallel`'s `onError: "wait-all"`: every branch runs to its end, and the parallel fails only
 * then, naming every failed branch (`PARALLEL_BRANCHES_FAILED`) — instead of the first failure
 * failing the run at once while the other branches are cancelled. A branch's stage is wrapped
 * so that its last attempt's error becomes a failure marker in its output (earlier attempts
 * still retry by its policy); the parallel's join step fails when it finds a marker.
 */
import { z } from "zod";
import { NonRetryableError, toStoredError } from "../errors.js";
import type { StoredError } from "../records.js";
import { type ResolvedRetryPolicy, retriesError } from "./retry-policy.js";
import type { AnyStage } from "./stage.js";

const FAILED = "ratchet.branchFailed";

/** A branch's failure, as the wrapped stage hands it to the join. */
interface BranchFailure {
  [FAILED]: { code: string; message: string };
}

const failureSchema = z.object({ [FAILED]: z.object({ code: z.string(), message: z.string() }) });

/** Whether an attempt's error ends the branch: a non-retryable error, or its last attempt. */
function isFinal(
  stage: AnyStage,
  ctx: { attempt: number; maxAttempts: number },
  error: unknown,
  stored: StoredError,
): boolean {
  if (error instanceof NonRetryableError || ctx.attempt >= ctx.maxAttempts) return true;
  // A stage whose own policy does not retry this error (its retryOn) fails it at once.
  const retryOn = stage.retry?.retryOn;
  return retryOn !== undefined && !retriesError({ retryOn } as ResolvedRetryPolicy, stored);
}

/** `stage` whose last attempt's error is handed on as a failure marker instead of thrown. */
export function settlingBranch(stage: AnyStage): AnyStage {
  return Object.freeze({
    ...stage,
    schemas: { ...stage.schemas, output: z.union([failureSchema, stage.schemas.output]) },
    execute: async (ctx: Parameters<AnyStage["execute"]>[0]) => {
      try {
        return await stage.execute(ctx);
      } catch (error) {
        const stored = toStoredError(error, stage.id);
        // A cancelled or timed-out attempt is the kernel's to settle.
        if (ctx.signal.aborted || !isFinal(stage, ctx, error, stored)) throw error;
        return { [FAILED]: { code: stored.code, message: stored.message } } satisfies BranchFailure;
      }
    },
  }) as AnyStage;
}

/**
 * The join of a wait-all parallel: the branches' outputs by name, or — when any branch failed —
 * a `PARALLEL_BRANCHES_FAILED` error naming each failure (not retried).
 */
export function joinSettled(
  parallelId: string,
  outputs: Record<string, unknown>,
): Record<string, unknown> {
  const failures = Object.entries(outputs).filter(
    ([, value]) => typeof value === "object" && value !== null && FAILED in value,
  ) as [string, BranchFailure][];
  if (failures.length === 0) return outputs;
  throw new NonRetryableError(
    `[ratchet] parallel "${parallelId}": ${failures.length} of ${Object.keys(outputs).length} branch(es) failed: ${failures
      .map(([name, f]) => `${name}: [${f[FAILED].code}] ${f[FAILED].message}`)
      .join("; ")}`,
    { code: "PARALLEL_BRANCHES_FAILED", stageId: parallelId },
  );
}
