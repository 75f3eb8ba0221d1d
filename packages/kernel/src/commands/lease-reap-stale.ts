/**
 * `lease.reapStale`: jobs whose lease ran out (their worker died or hung) go back to the queue;
 * a job that has used up `maxAttempts` fails its stage and run instead, so a job that kills its
 * worker every time is not redelivered forever.
 */

import { z } from "zod";
import { failExhaustedCompensation } from "../internal/compensation/commit.js";
import { beginCompensation } from "../internal/compensation/plan.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { cancelRemaining, failRunPatch } from "../internal/run/progression.js";
import { commitRun, inTransaction } from "../internal/tx/unit-of-work.js";
import { errorPayload } from "../internal/values/error-payload.js";
import type { RunRecord, StageRecord, StoredError } from "../records.js";
import { defineCommand } from "./command.js";
import {
  isNonNegativeInt,
  isPositiveInt,
  nonNegativeInt,
  optional,
  positiveInt,
} from "./fields.js";

/** Releases jobs whose lease ran out (their worker died); a job out of attempts fails its run. */
export interface LeaseReapStaleCommand {
  type: "lease.reapStale";
  /** Extra grace after a lease ends before it counts as stale (default 0). */
  staleThresholdMs?: number;
  /** Most jobs to handle (default 100). */
  maxJobs?: number;
}

/** Result of `lease.reapStale`. */
export interface LeaseReapStaleResult {
  released: number;
  /** Jobs out of attempts whose stage and run were failed. */
  failed: number;
}

/** Handles `lease.reapStale`. */
export async function leaseReapStale(
  command: LeaseReapStaleCommand,
  deps: KernelDeps,
): Promise<LeaseReapStaleResult> {
  const cutoff = new Date(deps.clock.now().getTime() - (command.staleThresholdMs ?? 0));
  const limit = command.maxJobs ?? 100;
  // A transport that cannot join transactions is called first, on its own: its writes would
  // not roll back with ours anyway, and a call outside the transaction must not wait on it.
  const detached = deps.jobTransport.joinsTransactions
    ? undefined
    : await deps.jobTransport.releaseStaleLeases(cutoff, limit);
  return inTransaction(deps, async (uow) => {
    const { released, exhausted } =
      detached ?? (await deps.jobTransport.releaseStaleLeases(cutoff, limit, uow.tx));
    for (const job of released)
      uow.ready({
        kind: "job",
        jobId: job.jobId,
        workflowRunId: job.workflowRunId,
        priority: job.priority,
        availableAt: uow.now,
      });
    let failed = 0;
    for (const job of exhausted) {
      let run: RunRecord | null;
      let records: StageRecord[];
      try {
        run = await uow.tx.getRun(job.workflowRunId, { forUpdate: true });
        if (run?.status === "COMPENSATING") {
          const record = (await uow.tx.listStages(run.id)).find((r) => r.stageId === job.stageId);
          if (
            record &&
            (await failExhaustedCompensation(uow, run, record, job.attempt, job.maxAttempts))
          )
            failed++;
          continue;
        }
        if (run?.status !== "RUNNING") continue;
        records = await uow.tx.listStages(run.id);
      } catch (error) {
        // A run whose stored row cannot be read (CORRUPT_ROW, from the adapter) cannot be
        // failed here; skipping it keeps every other stale job moving.
        if ((error as { code?: unknown })?.code === "CORRUPT_ROW") continue;
        throw error;
      }
      const record = records.find((r) => r.stageId === job.stageId);
      if (!record || (record.status !== "PENDING" && record.status !== "RUNNING")) continue;
      const error: StoredError = {
        code: "MAX_ATTEMPTS_EXCEEDED",
        message: `[ratchet] stage "${job.stageId}" lost its worker on each of its ${job.maxAttempts} attempt(s) (lease expired)`,
        stageId: job.stageId,
      };
      await uow.tx.updateStage(
        record.id,
        { status: "FAILED", attempt: job.attempt, error, completedAt: uow.now },
        { expected: { status: ["PENDING", "RUNNING"] }, now: uow.now },
      );
      uow.event(run, "workflow.step.failed", {
        stageId: job.stageId,
        attempt: job.attempt,
        attempts: job.attempt,
        error: errorPayload(error),
      });
      const others = records.filter((r) => r.id !== record.id);
      await cancelRemaining(uow, deps, run.id, others);
      const workflow = deps.registry.getDefinition(run);
      if (!workflow) {
        // This worker lacks the run's definition, so cannot tell whether it compensates: the
        // run is left RUNNING with its failed stage, for run.reapStuck on a worker that has
        // the definition to end it (compensating it first when it should).
        await commitRun(uow, run, {});
        failed++;
        continue;
      }
      const compensating = await beginCompensation(
        deps,
        uow,
        run,
        workflow,
        others,
        "FAILED",
        error,
      );
      if (!compensating) await commitRun(uow, run, failRunPatch(uow, run, error));
      failed++;
    }
    return { released: released.length, failed };
  });
}

/** `lease.reapStale`: its schema, fast check and handler. */
export const leaseReapStaleModule = defineCommand<LeaseReapStaleCommand, LeaseReapStaleResult>({
  type: "lease.reapStale",
  schema: z.object({
    type: z.literal("lease.reapStale"),
    staleThresholdMs: nonNegativeInt.optional(),
    maxJobs: positiveInt.optional(),
  }),
  isWellFormed: (c) =>
    optional(c.staleThresholdMs, isNonNegativeInt) && optional(c.maxJobs, isPositiveInt),
  handle: leaseReapStale,
});
