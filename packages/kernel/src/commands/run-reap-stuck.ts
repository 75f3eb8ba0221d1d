/**
 * `run.reapStuck`: finds runs that are `RUNNING` but have not moved for a while, and have no
 * live job and no suspended stage — typically a crash between a job's completion and the
 * run's transition — and repairs each with `run.transition`. A stage whose lease is being
 * heartbeated has a live job, so it is never reaped.
 */

import { z } from "zod";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { defineCommand } from "./command.js";
import {
  isNonNegativeInt,
  isPositiveInt,
  nonNegativeInt,
  optional,
  positiveInt,
} from "./fields.js";
import { type RunTransitionResult, runTransition } from "./run-transition.js";

/** Finds running runs with no live job and no suspended stage, and repairs them. */
export interface RunReapStuckCommand {
  type: "run.reapStuck";
  /** Runs not updated for this long are examined (default: the kernel's `stuckRunThresholdMs`). */
  stuckThresholdMs?: number;
  /** Most runs to examine (default 50). */
  maxRuns?: number;
}

/** Result of `run.reapStuck`. */
export interface RunReapStuckResult {
  examined: number;
  repaired: Array<{ workflowRunId: string; action: RunTransitionResult["action"] }>;
}

/** Handles `run.reapStuck`. */
export async function runReapStuck(
  command: RunReapStuckCommand,
  deps: KernelDeps,
): Promise<RunReapStuckResult> {
  const now = deps.clock.now();
  const threshold = command.stuckThresholdMs ?? deps.options.stuckRunThresholdMs;
  const candidates = await deps.persistence.listRuns({
    status: "RUNNING",
    updatedBefore: new Date(now.getTime() - threshold),
    // Only runs this kernel can repair: others' would crowd them out of every batch.
    routes: deps.registry.routes(),
    // A run with a suspended stage is waiting, not stuck: not read at all, however long it waits.
    waiting: false,
    limit: command.maxRuns ?? 50,
  });
  const result: RunReapStuckResult = { examined: candidates.length, repaired: [] };
  for (const run of candidates) {
    const [jobs, records] = await Promise.all([
      deps.jobTransport.activeJobsForRun(run.id),
      deps.persistence.listStages(run.id),
    ]);
    if (jobs.length > 0) continue;
    if (records.some((r) => r.groupIndex === run.currentGroup && r.status === "SUSPENDED"))
      continue;
    const transition = await runTransition({ type: "run.transition", workflowRunId: run.id }, deps);
    if (transition.action !== "noop" && transition.action !== "waiting") {
      result.repaired.push({ workflowRunId: run.id, action: transition.action });
    }
  }
  return result;
}

/** `run.reapStuck`: its schema, fast check and handler. */
export const runReapStuckModule = defineCommand<RunReapStuckCommand, RunReapStuckResult>({
  type: "run.reapStuck",
  schema: z.object({
    type: z.literal("run.reapStuck"),
    stuckThresholdMs: nonNegativeInt.optional(),
    maxRuns: positiveInt.optional(),
  }),
  isWellFormed: (c) =>
    optional(c.stuckThresholdMs, isNonNegativeInt) && optional(c.maxRuns, isPositiveInt),
  handle: runReapStuck,
});
