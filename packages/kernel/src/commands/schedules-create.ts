/**
 * `schedules.create`: a cron schedule that starts runs of a workflow. The workflow must be
 * registered, the input must pass its input schema (as `run.create` checks it), the cron
 * expression and time zone must be valid; the schedule's first slot is computed now.
 */
import { z } from "zod";
import { encodeValue } from "../codec.js";
import { RatchetError } from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import type { ScheduleCatchUpPolicy, ScheduleOverlapPolicy } from "../records.js";
import { compileCron } from "../schedules/cron.js";
import { defineCommand } from "./command.js";
import { id, isId, isPlainObject, optional, plainObject } from "./fields.js";
import { prepareRun } from "./run-create.js";

/** Creates a schedule. */
export interface SchedulesCreateCommand {
  type: "schedules.create";
  /** The schedule's name (unique). */
  scheduleId: string;
  workflowId: string;
  /** A cron expression: 5 fields, 6 with seconds first, 7 with a year last, or `@hourly` etc. */
  cron: string;
  /** IANA time zone the expression is read in (default `UTC`). */
  timezone?: string;
  /** The input of every run it starts (checked against the workflow's input schema). */
  input: unknown;
  /** Metadata of every run it starts (the schedule id and slot are added). */
  metadata?: Record<string, unknown>;
  /** Priority of the runs it starts (default 0). */
  priority?: number;
  /** A slot while the last run is still active (default `skip`). */
  overlap?: ScheduleOverlapPolicy;
  /** Slots missed while nothing fired (default `latest`). */
  catchUp?: ScheduleCatchUpPolicy;
  /** Create it paused (default false). */
  paused?: boolean;
}

/** Result of `schedules.create`. */
export interface SchedulesCreateResult {
  scheduleId: string;
  /** The first slot (`null` when created paused). */
  nextFireAt: Date | null;
}

const OVERLAP = ["skip", "buffer_one", "allow"] as const;
const CATCH_UP = ["skip", "latest", "all"] as const;

/** Handles `schedules.create`. */
export async function schedulesCreate(
  command: SchedulesCreateCommand,
  deps: KernelDeps,
): Promise<SchedulesCreateResult> {
  // The checks run.create makes (workflow, input, metadata), without writing a run.
  const prepared = prepareRun(
    {
      workflowId: command.workflowId,
      input: command.input,
      ...(command.metadata ? { metadata: command.metadata } : {}),
      ...(command.priority !== undefined ? { priority: command.priority } : {}),
    },
    deps,
  );
  const timezone = command.timezone ?? "UTC";
  const cron = compileCron(command.cron, timezone);
  const now = deps.clock.now();
  const paused = command.paused ?? false;
  const nextFireAt = paused ? null : cron.nextAfter(now);
  if (!paused && nextFireAt === null) {
    throw new RatchetError(
      "INVALID_CRON",
      `[ratchet] cron expression ${JSON.stringify(command.cron)} never fires after ${now.toISOString()}`,
      { field: "cron", workflowId: command.workflowId },
    );
  }
  const created = await deps.persistence.createSchedule({
    id: command.scheduleId,
    workflowId: prepared.workflow.id,
    cron: command.cron,
    timezone,
    input: encodeValue(command.input, "input"),
    metadata: prepared.metadata,
    priority: prepared.priority,
    overlap: command.overlap ?? "skip",
    catchUp: command.catchUp ?? "latest",
    paused,
    nextFireAt,
    lastFireAt: null,
    lastRunId: null,
    bufferedAt: null,
    createdAt: now,
  });
  if (created === null) {
    throw new RatchetError(
      "SCHEDULE_EXISTS",
      `[ratchet] a schedule "${command.scheduleId}" exists already`,
      { field: "scheduleId" },
    );
  }
  return { scheduleId: created.id, nextFireAt: created.nextFireAt };
}

const isPriority = (v: unknown): boolean =>
  Number.isSafeInteger(v) && (v as number) >= -1_000_000 && (v as number) <= 1_000_000;
const isCron = (v: unknown): boolean => typeof v === "string" && v.length >= 1 && v.length <= 200;
const isZone = (v: unknown): boolean => typeof v === "string" && v.length >= 1 && v.length <= 100;
const oneOf =
  (values: readonly string[]) =>
  (v: unknown): boolean =>
    typeof v === "string" && values.includes(v);

/** `schedules.create`: its schema, fast check and handler. */
export const schedulesCreateModule = defineCommand<SchedulesCreateCommand, SchedulesCreateResult>({
  type: "schedules.create",
  schema: z.object({
    type: z.literal("schedules.create"),
    scheduleId: id,
    workflowId: id,
    cron: z.string().min(1).max(200),
    timezone: z.string().min(1).max(100).optional(),
    input: z.unknown(),
    metadata: plainObject.optional(),
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
    overlap: z.enum(OVERLAP).optional(),
    catchUp: z.enum(CATCH_UP).optional(),
    paused: z.boolean().optional(),
  }),
  isWellFormed: (c) =>
    isId(c.scheduleId) &&
    isId(c.workflowId) &&
    isCron(c.cron) &&
    optional(c.timezone, isZone) &&
    "input" in c &&
    optional(c.metadata, isPlainObject) &&
    optional(c.priority, isPriority) &&
    optional(c.overlap, oneOf(OVERLAP)) &&
    optional(c.catchUp, oneOf(CATCH_UP)) &&
    optional(c.paused, (v) => typeof v === "boolean"),
  handle: schedulesCreate,
});
