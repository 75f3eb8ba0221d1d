/**
 * `runs.purge`: deletes finished runs with everything they own — stage records and outputs,
 * logs, outbox events, signals, jobs, blobs, their `run.create` idempotency key — one batch
 * (one short transaction) per command.
 *
 * Two modes:
 * - **explicit** (`olderThanMs`, the CLI's `ratchet purge --older-than`): runs that ended more
 *   than that long ago, of the `statuses` given (default every final status), of `workflowId`
 *   or of every workflow;
 * - **retention** (no `olderThanMs`, the `purge` duty): what the kernel's `options.retention`
 *   and each registered workflow's own `retention` no longer keep, and idempotency keys older
 *   than `options.idempotencyKeyTtlMs`. With `everyMs`, a sweep that found nothing more to do
 *   makes the next ones on this kernel do nothing (no query) for that long, so a host can
 *   dispatch it every tick.
 *
 * `more: true` says a batch was full: dispatch again for the next one. A running, pending or
 * waiting run is never touched; a run's children are runs of their own, with their own
 * retention (a child outliving its parent is fine: it finds no parent to notify).
 */
import { z } from "zod";
import { InvalidCommandError } from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { purgeBatch, retentionRules } from "../internal/retention/purge.js";
import { FINISHED_RUN_STATUSES, type FinishedRunStatus, retentionMs } from "../retention.js";
import { defineCommand } from "./command.js";
import {
  id,
  isId,
  isNonNegativeInt,
  isPositiveInt,
  nonNegativeInt,
  optional,
  positiveInt,
} from "./fields.js";

/** Deletes finished runs past their retention, or older than `olderThanMs`. */
export interface RunsPurgeCommand {
  type: "runs.purge";
  /** Runs that ended more than this long ago (ms), whatever their retention. Absent: by retention. */
  olderThanMs?: number;
  /** With `olderThanMs`: runs that ended with one of these (default: every final status). */
  statuses?: FinishedRunStatus[];
  /** With `olderThanMs`: runs of this workflow only. */
  workflowId?: string;
  /** Delete nothing; say what would be deleted (`matched`: how many in all). */
  dryRun?: boolean;
  /** Most runs (and, by retention, idempotency keys) deleted by this command (default 500). */
  maxRuns?: number;
  /**
   * Retention mode: after a sweep that left nothing to do, sweep again on this kernel only this
   * long later (ms); until then the command returns `skipped` without a query.
   */
  everyMs?: number;
}

/** Result of `runs.purge`. */
export interface RunsPurgeResult {
  /** Runs deleted (dry run: that would be, up to `maxRuns`). */
  purged: number;
  runIds: string[];
  jobsDeleted: number;
  blobsDeleted: number;
  idempotencyKeysDeleted: number;
  /** A batch was full: more may be due, dispatch again. */
  more: boolean;
  /** Dry run: how many runs match in all. */
  matched?: number;
  /** Retention mode with `everyMs`: not due yet, nothing was read. */
  skipped?: boolean;
}

/** Default of {@link RunsPurgeCommand.maxRuns}. */
export const DEFAULT_PURGE_BATCH = 500;

function emptyResult(): RunsPurgeResult {
  return {
    purged: 0,
    runIds: [],
    jobsDeleted: 0,
    blobsDeleted: 0,
    idempotencyKeysDeleted: 0,
    more: false,
  };
}

/** Handles `runs.purge`. */
export async function runsPurge(
  command: RunsPurgeCommand,
  deps: KernelDeps,
): Promise<RunsPurgeResult> {
  const now = deps.clock.now();
  const limit = command.maxRuns ?? DEFAULT_PURGE_BATCH;
  const dryRun = command.dryRun === true;
  const result = emptyResult();
  if (command.olderThanMs !== undefined) {
    const batch = await purgeBatch(deps, {
      ...(command.workflowId !== undefined ? { workflowIds: [command.workflowId] } : {}),
      statuses: command.statuses ?? FINISHED_RUN_STATUSES,
      endedBefore: new Date(now.getTime() - command.olderThanMs),
      limit,
      dryRun,
    });
    return add(result, batch, limit);
  }
  if (command.statuses !== undefined || command.workflowId !== undefined)
    throw new InvalidCommandError(
      "[ratchet] runs.purge: statuses and workflowId go with olderThanMs (without it, retention decides)",
      { field: command.statuses !== undefined ? "statuses" : "workflowId" },
    );
  const sweep = deps.retentionSweep;
  if (command.everyMs !== undefined && sweep && now.getTime() < sweep.nextAt)
    return { ...result, skipped: true };
  const rules = retentionRules(deps.registry, retentionMs(deps.options.retention));
  const ttl = deps.options.idempotencyKeyTtlMs;
  if (dryRun) result.matched = 0;
  for (const rule of rules) {
    if (!dryRun && result.purged >= limit) break;
    const batch = await purgeBatch(deps, {
      workflowIds: rule.workflowIds,
      statuses: [rule.status],
      endedBefore: new Date(now.getTime() - rule.keepMs),
      limit: dryRun ? limit : limit - result.purged,
      dryRun,
    });
    add(result, batch, dryRun ? limit : limit - result.purged);
  }
  if (Number.isFinite(ttl) && (dryRun || result.purged < limit)) {
    const budget = dryRun ? limit : limit - result.purged;
    result.idempotencyKeysDeleted = await deps.persistence.purgeIdempotencyKeys({
      createdBefore: new Date(now.getTime() - ttl),
      limit: budget,
      dryRun,
    });
    if (result.idempotencyKeysDeleted >= budget) result.more = true;
  }
  if (!dryRun && result.purged >= limit) result.more = true;
  if (sweep && !dryRun && command.everyMs !== undefined)
    sweep.nextAt = result.more ? now.getTime() : now.getTime() + command.everyMs;
  return result;
}

function add(
  result: RunsPurgeResult,
  batch: Awaited<ReturnType<typeof purgeBatch>>,
  limit: number,
): RunsPurgeResult {
  result.purged += batch.runIds.length;
  result.runIds.push(...batch.runIds);
  result.jobsDeleted += batch.jobsDeleted;
  result.blobsDeleted += batch.blobsDeleted;
  if (batch.matched !== undefined) result.matched = (result.matched ?? 0) + batch.matched;
  if (batch.runIds.length >= limit) result.more = true;
  return result;
}

const finishedStatus = z.enum(FINISHED_RUN_STATUSES as [FinishedRunStatus, ...FinishedRunStatus[]]);

function isStatusList(v: unknown): boolean {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((s) => (FINISHED_RUN_STATUSES as readonly unknown[]).includes(s))
  );
}

/** `runs.purge`: its schema, fast check and handler. */
export const runsPurgeModule = defineCommand<RunsPurgeCommand, RunsPurgeResult>({
  type: "runs.purge",
  schema: z.object({
    type: z.literal("runs.purge"),
    olderThanMs: nonNegativeInt.optional(),
    statuses: z.array(finishedStatus).min(1).optional(),
    workflowId: id.optional(),
    dryRun: z.boolean().optional(),
    maxRuns: positiveInt.max(10_000).optional(),
    everyMs: nonNegativeInt.optional(),
  }),
  isWellFormed: (c) =>
    optional(c.olderThanMs, isNonNegativeInt) &&
    optional(c.statuses, isStatusList) &&
    optional(c.workflowId, isId) &&
    optional(c.dryRun, (v) => typeof v === "boolean") &&
    optional(c.maxRuns, (v) => isPositiveInt(v) && (v as number) <= 10_000) &&
    optional(c.everyMs, isNonNegativeInt),
  handle: runsPurge,
});
