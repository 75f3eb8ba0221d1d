/**
 * `run.claimPending`: moves pending runs to `RUNNING` and enqueues their first group, all in
 * one transaction (the jobs become visible only when it commits). Only runs of definitions this
 * kernel registered (their route keys, see `WorkflowRegistry.routes`) are claimed; the others
 * stay `PENDING`, untouched, for a worker that has them. With `continueWith`, up to
 * that many of the new jobs are leased to the claiming worker and handed back with snapshots
 * of their runs, so it starts them without a dequeue or a read.
 */

import { z } from "zod";
import { startRateOf } from "../dsl/flow-limits.js";
import { hasStartHook } from "../dsl/hooks.js";
import { DefinitionUnavailableError } from "../errors.js";
import { startStartHook } from "../internal/hooks/start.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { RUN_TIMEOUT_COMMAND, timeoutCorrelationId } from "../internal/run/correlation.js";
import { definitionOf } from "../internal/run/definition.js";
import { type Continuation, failRunPatch, startGroup } from "../internal/run/progression.js";
import { isTransientError } from "../internal/transient-error.js";
import { commitLockedRun, commitRun, inTransaction } from "../internal/tx/unit-of-work.js";
import type { ClaimPendingOptions } from "../ports/persistence/runs.js";
import type { ScheduleRequest } from "../ports/scheduler.js";
import { type DequeuedJob, newStageRecord, type RunPatch, type RunRecord } from "../records.js";
import { defineCommand } from "./command.js";
import {
  continueCount,
  id,
  isContinueWith,
  isId,
  isPositiveInt,
  optional,
  positiveInt,
} from "./fields.js";
import { handedJob } from "./job-execute/continuation.js";
import { claimThroughStarter, routeStartsOf } from "./run-claim-started.js";

/** Claims pending runs: moves them to `RUNNING` and enqueues their first stages. */
export interface RunClaimPendingCommand {
  type: "run.claimPending";
  workerId: string;
  /** Most runs to claim (default 10). */
  maxClaims?: number;
  /**
   * Lease up to this many of the claimed runs' first jobs to `workerId` right away, instead of
   * queueing them: the result's `jobs` holds them, each with a snapshot of its run, for the
   * worker to run now (no dequeue, no read). Needs a job transport that stores jobs already
   * leased (`enqueuesClaimed`) and joins transactions; ignored otherwise. Default 0.
   */
  continueWith?: number;
  /** Lease of the jobs handed back by `continueWith` (default: the kernel's `jobLeaseMs`); use the host's own. */
  leaseMs?: number;
}

/** Result of `run.claimPending`. */
export interface RunClaimPendingResult {
  claimed: Array<{ workflowRunId: string; workflowId: string; jobIds: string[] }>;
  /** Jobs leased to the claiming worker (see `continueWith`). */
  jobs?: DequeuedJob[];
  /**
   * Runs that could not be started — starting them failed twice in a row, alone in their
   * transaction — and were failed (`CLAIM_FAILED`, the cause in the message), so they stop
   * blocking the claims of the runs behind them.
   */
  failed?: Array<{ workflowRunId: string; code: string; message: string }>;
}

/**
 * Most ids a claim through the run starter makes up front (`maxClaims` times the widest first
 * group's ids): a claim of many runs of a very wide first group claims in a transaction instead
 * of sending tens of thousands of ids it may not use.
 */
const MAX_STARTER_IDS = 2_000;

/** The limits claims respect (see `ClaimPendingOptions`). */
type ClaimLimits = Pick<ClaimPendingOptions, "concurrency" | "rates">;

const LIMITS = new WeakMap<object, { options: object; limits: ClaimLimits | null }>();

/**
 * The concurrency limits and start rates claims respect, or `null` when none of this kernel's
 * workflows has either (and no `defaultConcurrency` is set): claims then skip the key check
 * entirely. Workflows without a limit of their own get `options.defaultConcurrency`.
 */
function limitsOf(deps: KernelDeps): ClaimLimits | null {
  const registry = deps.registry;
  const cached = LIMITS.get(registry);
  if (cached?.options === deps.options) return cached.limits;
  const fallback = deps.options.defaultConcurrency;
  const anyDefault = fallback !== Number.POSITIVE_INFINITY;
  const workflows = registry.list();
  const anyRate = workflows.some((w) => w.flowLimits && startRateOf(w.flowLimits));
  let limits: ClaimLimits | null = null;
  if (anyDefault || anyRate || workflows.some((w) => w.concurrency || w.flowLimits?.singleton)) {
    // A singleton is a concurrency limit of 1 (its definition has no `concurrency`).
    limits = {
      concurrency: (workflowId) => {
        const workflow = registry.getWorkflow(workflowId);
        if (workflow?.flowLimits?.singleton) return 1;
        return workflow?.concurrency?.limit ?? (anyDefault ? fallback : undefined);
      },
    };
    if (anyRate) {
      limits.rates = (workflowId) => {
        const flow = registry.getWorkflow(workflowId)?.flowLimits;
        return flow ? startRateOf(flow) : undefined;
      };
    }
  }
  LIMITS.set(registry, { options: deps.options, limits });
  return limits;
}

/**
 * Handles `run.claimPending`. When the persistence offers a run starter and every workflow this
 * kernel claims for starts the same way for every run (no limits, start hooks or run timeouts),
 * the claim is one atomic step of the store's (see `run-claim-started.ts`); a store error
 * throws, and the runs stay `PENDING`. Otherwise the batch is claimed in one transaction. When that fails, the runs
 * are claimed one at a time instead, each in its own transaction: a run that fails again alone
 * is failed with `CLAIM_FAILED`, and the claim goes on with the others (a failure that is not
 * the run's — the database is gone — fails failing it too, and the claim throws as before). A
 * transient store error (see `isTransientError`: a lost connection, a serialization failure,
 * a busy database) is never the run's: the claim throws it and the run stays `PENDING`.
 */
export async function runClaimPending(
  command: RunClaimPendingCommand,
  deps: KernelDeps,
): Promise<RunClaimPendingResult> {
  const maxClaims = command.maxClaims ?? 10;
  const plan = deps.runStarter && limitsOf(deps) === null ? routeStartsOf(deps) : null;
  if (deps.runStarter && plan && maxClaims * plan.idStride <= MAX_STARTER_IDS) {
    const continueWith = canContinue(deps) ? (command.continueWith ?? 0) : 0;
    return claimThroughStarter(command, deps, deps.runStarter, plan, maxClaims, continueWith);
  }
  const starting: { runId?: string } = {};
  try {
    return await claimBatch(command, deps, command.maxClaims ?? 10, starting);
  } catch (error) {
    // A run of a definition this kernel lacks is never failed for it (a store ignoring the
    // routes); nothing else can tell which run failed when none had started.
    if (starting.runId === undefined || error instanceof DefinitionUnavailableError) throw error;
    return claimOneByOne(command, deps);
  }
}

/** Claims up to `maxClaims` runs, one per transaction, failing a run that cannot start. */
async function claimOneByOne(
  command: RunClaimPendingCommand,
  deps: KernelDeps,
): Promise<RunClaimPendingResult> {
  const result: RunClaimPendingResult = { claimed: [] };
  const jobs: DequeuedJob[] = [];
  let budget = command.continueWith ?? 0;
  for (let i = 0; i < (command.maxClaims ?? 10); i++) {
    const starting: { runId?: string } = {};
    let one: RunClaimPendingResult;
    try {
      one = await claimBatch({ ...command, continueWith: budget }, deps, 1, starting);
    } catch (error) {
      if (starting.runId === undefined || error instanceof DefinitionUnavailableError) throw error;
      // A transient store error says nothing about the run: it starts on a later claim.
      if (isTransientError(error)) throw error;
      const failed = await failUnstartable(deps, starting.runId, error);
      if (failed) result.failed = [...(result.failed ?? []), failed];
      continue;
    }
    if (one.claimed.length === 0) break;
    result.claimed.push(...one.claimed);
    jobs.push(...(one.jobs ?? []));
    budget = Math.max(0, budget - (one.jobs?.length ?? 0));
  }
  if (jobs.length > 0) result.jobs = jobs;
  return result;
}

/**
 * Fails a pending run that could not be started (`CLAIM_FAILED`, with a `workflow.failed`
 * event), in a transaction of its own; `undefined` when it is no longer pending.
 */
async function failUnstartable(
  deps: KernelDeps,
  runId: string,
  cause: unknown,
): Promise<{ workflowRunId: string; code: string; message: string } | undefined> {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const message = `[ratchet] run ${runId} could not be started: ${reason}`;
  return inTransaction(deps, async (uow) => {
    const run = await uow.tx.getRun(runId, { forUpdate: true });
    if (run?.status !== "PENDING") return undefined;
    const code = "CLAIM_FAILED";
    await commitRun(uow, run, failRunPatch(uow, run, { code, message }));
    return { workflowRunId: runId, code, message };
  });
}

/** Only a transport that stores jobs already leased can hand one to this worker safely. */
function canContinue(deps: KernelDeps): boolean {
  return deps.jobTransport.enqueuesClaimed === true && deps.jobTransport.joinsTransactions;
}

/**
 * Claims up to `maxClaims` runs in one transaction; `starting.runId` names the run being
 * started when it throws (undefined: the claim failed before starting any).
 */
async function claimBatch(
  command: RunClaimPendingCommand,
  deps: KernelDeps,
  maxClaims: number,
  starting: { runId?: string },
): Promise<RunClaimPendingResult> {
  let budget = canContinue(deps) ? (command.continueWith ?? 0) : 0;
  return inTransaction(deps, async (uow) => {
    const limits = limitsOf(deps);
    const runs = await uow.tx.claimPendingRuns({
      limit: maxClaims,
      now: uow.now,
      routes: deps.registry.routes(),
      ...limits,
    });
    const result: RunClaimPendingResult = { claimed: [] };
    const leased: DequeuedJob[] = [];
    for (const run of runs) {
      starting.runId = run.id;
      // The store hands out only runs of our routes, so the definition is here; a store that
      // ignored the routes gets DEFINITION_UNAVAILABLE and the claim throws, failing nothing.
      const workflow = definitionOf(deps, run);
      const continuation: Continuation | undefined =
        budget > 0
          ? {
              workerId: command.workerId,
              max: budget,
              ...(command.leaseMs !== undefined ? { leaseMs: command.leaseMs } : {}),
            }
          : undefined;
      // A workflow with start hooks starts with their job, which starts the first group.
      const started = hasStartHook(workflow.hooks)
        ? await startStartHook(uow, deps, run, workflow).then(() => ({ stages: [], jobs: [] }))
        : await startGroup(deps, uow, run, workflow, 0, continuation);
      uow.event(run, "workflow.started", { workerId: command.workerId });
      if (workflow.timeoutMs !== undefined) {
        const timeout: ScheduleRequest = {
          type: RUN_TIMEOUT_COMMAND,
          correlationId: timeoutCorrelationId(run.id),
          payload: { workflowRunId: run.id },
          runAt: new Date(uow.now.getTime() + workflow.timeoutMs),
        };
        await uow.schedule((scope) => deps.scheduler.schedule(timeout, scope));
      }
      const patch: RunPatch = {
        currentGroup: 0,
        groupRemaining: started.stages.length,
        startedAt: uow.now,
      };
      // Claimed rows stay locked until the commit: their updates need no answer.
      const eventSeq = await commitLockedRun(uow, run, patch);
      result.claimed.push({
        workflowRunId: run.id,
        workflowId: run.workflowId,
        jobIds: started.jobs.map((job) => job.jobId),
      });
      const mine = started.jobs.filter((job) => job.claimedBy);
      if (mine.length === 0) continue;
      budget -= mine.length;
      // The run exactly as this transaction leaves it, for the jobs' snapshots.
      const snapshotRun: RunRecord = {
        ...run,
        ...patch,
        eventSeq,
        version: run.version + 1,
        updatedAt: uow.now,
      };
      const stages = started.stages.map(newStageRecord);
      for (const job of mine)
        leased.push(
          handedJob(job, { run: snapshotRun, stages: stages.map((stage) => ({ ...stage })) }),
        );
    }
    if (leased.length > 0) result.jobs = leased;
    return result;
  });
}

/** `run.claimPending`: its schema, fast check and handler. */
export const runClaimPendingModule = defineCommand<RunClaimPendingCommand, RunClaimPendingResult>({
  type: "run.claimPending",
  schema: z.object({
    type: z.literal("run.claimPending"),
    workerId: id,
    maxClaims: positiveInt.optional(),
    continueWith: continueCount.optional(),
    leaseMs: positiveInt.optional(),
  }),
  isWellFormed: (c) =>
    isId(c.workerId) &&
    optional(c.maxClaims, isPositiveInt) &&
    optional(c.continueWith, isContinueWith) &&
    optional(c.leaseMs, isPositiveInt),
  handle: async (command, deps) => {
    const result = await runClaimPending(command, deps);
    deps.telemetry?.runsStarted(result.claimed);
    return result;
  },
});
