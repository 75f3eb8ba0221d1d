/**
 * Shape checks of incoming commands, so a malformed command fails with `INVALID_COMMAND`
 * naming the field instead of failing somewhere deep inside a handler: a zod schema per
 * command type (the definition, and the source of every error), and a fast hand-written check
 * per type that lets well-formed commands through without running zod.
 */
import { z } from "zod";
import type { CommandType } from "./types.js";

const id = z.string().min(1).max(200);
const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const plainObject = z.record(z.string(), z.unknown());

const dequeuedJob = z.object({
  jobId: id,
  workflowRunId: id,
  workflowId: id,
  stageId: id,
  priority: z.number().int(),
  attempt: positiveInt,
  maxAttempts: positiveInt,
  payload: plainObject,
});

/** The zod schema of each command type. */
export const COMMAND_SCHEMAS: Record<CommandType, z.ZodType> = {
  "run.create": z.object({
    type: z.literal("run.create"),
    workflowId: id,
    input: z.unknown(),
    config: plainObject.optional(),
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
    metadata: plainObject.optional(),
    idempotencyKey: z.string().min(1).max(500).optional(),
  }),
  "run.claimPending": z.object({
    type: z.literal("run.claimPending"),
    workerId: id,
    maxClaims: positiveInt.optional(),
    continueWith: z.number().int().min(0).max(1_000).optional(),
    leaseMs: positiveInt.optional(),
  }),
  "job.execute": z.object({
    type: z.literal("job.execute"),
    workerId: id,
    job: dequeuedJob,
    signal: z
      .custom<AbortSignal>((v) => typeof v === "object" && v !== null && "aborted" in v)
      .optional(),
    continueWith: z.number().int().min(0).max(1_000).optional(),
    leaseMs: positiveInt.optional(),
  }),
  "job.heartbeat": z.object({
    type: z.literal("job.heartbeat"),
    workerId: id,
    jobIds: z.array(id),
    leaseMs: positiveInt.optional(),
  }),
  "run.transition": z.object({ type: z.literal("run.transition"), workflowRunId: id }),
  "stage.pollSuspended": z.object({
    type: z.literal("stage.pollSuspended"),
    workerId: id,
    maxChecks: positiveInt.optional(),
  }),
  "lease.reapStale": z.object({
    type: z.literal("lease.reapStale"),
    staleThresholdMs: nonNegativeInt.optional(),
    maxJobs: positiveInt.optional(),
  }),
  "run.reapStuck": z.object({
    type: z.literal("run.reapStuck"),
    stuckThresholdMs: nonNegativeInt.optional(),
    maxRuns: positiveInt.optional(),
  }),
  "outbox.flush": z.object({
    type: z.literal("outbox.flush"),
    workerId: id,
    maxEvents: positiveInt.optional(),
  }),
  "run.cancel": z.object({
    type: z.literal("run.cancel"),
    workflowRunId: id,
    reason: z.string().max(2000).optional(),
    expectedVersion: nonNegativeInt.optional(),
  }),
  "run.rerunFrom": z.object({
    type: z.literal("run.rerunFrom"),
    workflowRunId: id,
    fromStageId: id,
  }),
  "plugin.replayDLQ": z.object({
    type: z.literal("plugin.replayDLQ"),
    maxEvents: positiveInt.optional(),
  }),
  "schedule.fireDue": z.object({
    type: z.literal("schedule.fireDue"),
    workerId: id,
    maxCommands: positiveInt.optional(),
  }),
  "stage.wake": z.object({
    type: z.literal("stage.wake"),
    workflowRunId: id,
    stageRecordId: id,
  }),
  "run.timeout": z.object({ type: z.literal("run.timeout"), workflowRunId: id }),
};

/*
 * Fast structural checks. zod's safeParse of a well-formed command costs more than some
 * commands do (it copies the object and walks every schema node), so dispatch first runs
 * these hand-written checks and calls zod only when one says no: zod then either builds the
 * INVALID_COMMAND error (with the same field as ever) or accepts what the check was too
 * strict for. Each check must therefore be sound: it may reject a command zod accepts, never
 * the reverse. Properties are read as zod reads them (inherited ones included).
 */

type Fields = Record<string, unknown>;

const isId = (v: unknown): boolean => typeof v === "string" && v.length >= 1 && v.length <= 200;
const isInt = (v: unknown): boolean => Number.isSafeInteger(v);
const isPositiveInt = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) > 0;
const isNonNegativeInt = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isObject = (v: unknown): v is Fields =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** What `z.record(z.string(), z.unknown())` accepts, narrowed to plain objects without symbols. */
function isPlainObject(v: unknown): boolean {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return (
    (proto === Object.prototype || proto === null) && Object.getOwnPropertySymbols(v).length === 0
  );
}

function optional(v: unknown, check: (v: unknown) => boolean): boolean {
  return v === undefined || check(v);
}

function isDequeuedJob(v: unknown): boolean {
  return (
    isObject(v) &&
    isId(v.jobId) &&
    isId(v.workflowRunId) &&
    isId(v.workflowId) &&
    isId(v.stageId) &&
    isInt(v.priority) &&
    isPositiveInt(v.attempt) &&
    isPositiveInt(v.maxAttempts) &&
    isPlainObject(v.payload)
  );
}

function isIdArray(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!isId(v[i])) return false;
  return true;
}

const isPriority = (v: unknown): boolean =>
  Number.isSafeInteger(v) && (v as number) >= -1_000_000 && (v as number) <= 1_000_000;
const isIdempotencyKey = (v: unknown): boolean =>
  typeof v === "string" && v.length >= 1 && v.length <= 500;
const isSignal = (v: unknown): boolean => typeof v === "object" && v !== null && "aborted" in v;
const isContinueWith = (v: unknown): boolean =>
  Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 1_000;
const isReason = (v: unknown): boolean => typeof v === "string" && v.length <= 2000;

/**
 * A cheap check per command type that passes only commands its {@link COMMAND_SCHEMAS} entry
 * accepts; dispatch falls back to the schema (for the error, or the final word) when it fails.
 * The `type` field is not checked: dispatch picks the check by it. Use
 * {@link isWellFormedCommand}, which also checks that the command is an object.
 */
export const COMMAND_CHECKS: Record<CommandType, (command: Fields) => boolean> = {
  "run.create": (c) =>
    isId(c.workflowId) &&
    "input" in c &&
    optional(c.config, isPlainObject) &&
    optional(c.priority, isPriority) &&
    optional(c.metadata, isPlainObject) &&
    optional(c.idempotencyKey, isIdempotencyKey),
  "run.claimPending": (c) =>
    isId(c.workerId) &&
    optional(c.maxClaims, isPositiveInt) &&
    optional(c.continueWith, isContinueWith) &&
    optional(c.leaseMs, isPositiveInt),
  "job.execute": (c) =>
    isId(c.workerId) &&
    isDequeuedJob(c.job) &&
    optional(c.signal, isSignal) &&
    optional(c.continueWith, isContinueWith) &&
    optional(c.leaseMs, isPositiveInt),
  "job.heartbeat": (c) =>
    isId(c.workerId) && isIdArray(c.jobIds) && optional(c.leaseMs, isPositiveInt),
  "run.transition": (c) => isId(c.workflowRunId),
  "stage.pollSuspended": (c) => isId(c.workerId) && optional(c.maxChecks, isPositiveInt),
  "lease.reapStale": (c) =>
    optional(c.staleThresholdMs, isNonNegativeInt) && optional(c.maxJobs, isPositiveInt),
  "run.reapStuck": (c) =>
    optional(c.stuckThresholdMs, isNonNegativeInt) && optional(c.maxRuns, isPositiveInt),
  "outbox.flush": (c) => isId(c.workerId) && optional(c.maxEvents, isPositiveInt),
  "run.cancel": (c) =>
    isId(c.workflowRunId) &&
    optional(c.reason, isReason) &&
    optional(c.expectedVersion, isNonNegativeInt),
  "run.rerunFrom": (c) => isId(c.workflowRunId) && isId(c.fromStageId),
  "plugin.replayDLQ": (c) => optional(c.maxEvents, isPositiveInt),
  "schedule.fireDue": (c) => isId(c.workerId) && optional(c.maxCommands, isPositiveInt),
  "stage.wake": (c) => isId(c.workflowRunId) && isId(c.stageRecordId),
  "run.timeout": (c) => isId(c.workflowRunId),
};

/**
 * Whether `command` certainly passes the schema of `type` (see {@link COMMAND_CHECKS}). `false`
 * means "ask zod", not "invalid"; a check that throws (a throwing getter) also answers `false`.
 */
export function isWellFormedCommand(type: CommandType, command: unknown): boolean {
  if (!isObject(command)) return false;
  try {
    return COMMAND_CHECKS[type](command);
  } catch {
    return false;
  }
}
