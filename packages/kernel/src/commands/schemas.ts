/**
 * Shape checks of incoming commands, so a malformed command fails with `INVALID_COMMAND`
 * naming the field instead of failing somewhere deep inside a handler.
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
  }),
  "job.execute": z.object({
    type: z.literal("job.execute"),
    workerId: id,
    job: dequeuedJob,
    signal: z
      .custom<AbortSignal>((v) => typeof v === "object" && v !== null && "aborted" in v)
      .optional(),
    continueWith: z.number().int().min(0).max(1_000).optional(),
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
};
