/**
 * `schedules.update`: changes a schedule's expression, time zone, input, metadata, priority or
 * policies, checked as `schedules.create` checks them. A new expression or zone moves the next
 * fire time to its first slot after now (and drops a buffered slot); the slots already fired
 * stay fired.
 */
import { z } from "zod";
import { encodeValue } from "../codec.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { inTransaction } from "../internal/tx/unit-of-work.js";
import type { SchedulePatch } from "../ports/persistence/index.js";
import type { ScheduleCatchUpPolicy, ScheduleOverlapPolicy } from "../records.js";
import { compileCron } from "../schedules/cron.js";
import { scheduleNotFound, staleSchedule } from "../schedules/errors.js";
import { defineCommand } from "./command.js";
import { id, isId, isPlainObject, optional, plainObject } from "./fields.js";
import { prepareRun } from "./run-create.js";

/** Changes a schedule (absent fields stay as they are). */
export interface SchedulesUpdateCommand {
  type: "schedules.update";
  scheduleId: string;
  cron?: string;
  timezone?: string;
  input?: unknown;
  metadata?: Record<string, unknown>;
  priority?: number;
  overlap?: ScheduleOverlapPolicy;
  catchUp?: ScheduleCatchUpPolicy;
}

/** Result of `schedules.update`. */
export interface SchedulesUpdateResult {
  scheduleId: string;
  nextFireAt: Date | null;
}

const OVERLAP = ["skip", "buffer_one", "allow"] as const;
const CATCH_UP = ["skip", "latest", "all"] as const;

/** Handles `schedules.update`. */
export async function schedulesUpdate(
  command: SchedulesUpdateCommand,
  deps: KernelDeps,
): Promise<SchedulesUpdateResult> {
  return inTransaction(deps, async (uow) => {
    const schedule = await uow.tx.getSchedule(command.scheduleId, { forUpdate: true });
    if (!schedule) throw scheduleNotFound(command.scheduleId);
    const input = command.input !== undefined ? command.input : schedule.input;
    const prepared = prepareRun(
      {
        workflowId: schedule.workflowId,
        input,
        metadata: command.metadata ?? schedule.metadata,
        priority: command.priority ?? schedule.priority,
      },
      deps,
    );
    const cron = command.cron ?? schedule.cron;
    const timezone = command.timezone ?? schedule.timezone;
    const compiled = compileCron(cron, timezone);
    const patch: SchedulePatch = {
      input: encodeValue(input, "input"),
      metadata: prepared.metadata,
      priority: prepared.priority,
      ...(command.overlap ? { overlap: command.overlap } : {}),
      ...(command.catchUp ? { catchUp: command.catchUp } : {}),
    };
    if (cron !== schedule.cron || timezone !== schedule.timezone) {
      patch.cron = cron;
      patch.timezone = timezone;
      patch.bufferedAt = null;
      patch.nextFireAt = schedule.paused ? null : compiled.nextAfter(uow.now);
    }
    const updated = await uow.tx.updateSchedule(schedule.id, patch, {
      expectedVersion: schedule.version,
      now: uow.now,
    });
    if (!updated) throw staleSchedule(schedule.id, schedule.version);
    return { scheduleId: updated.id, nextFireAt: updated.nextFireAt };
  });
}

const isPriority = (v: unknown): boolean =>
  Number.isSafeInteger(v) && (v as number) >= -1_000_000 && (v as number) <= 1_000_000;
const isText = (max: number) => (v: unknown) =>
  typeof v === "string" && v.length >= 1 && v.length <= max;
const oneOf =
  (values: readonly string[]) =>
  (v: unknown): boolean =>
    typeof v === "string" && values.includes(v);

/** `schedules.update`: its schema, fast check and handler. */
export const schedulesUpdateModule = defineCommand<SchedulesUpdateCommand, SchedulesUpdateResult>({
  type: "schedules.update",
  schema: z.object({
    type: z.literal("schedules.update"),
    scheduleId: id,
    cron: z.string().min(1).max(200).optional(),
    timezone: z.string().min(1).max(100).optional(),
    input: z.unknown().optional(),
    metadata: plainObject.optional(),
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
    overlap: z.enum(OVERLAP).optional(),
    catchUp: z.enum(CATCH_UP).optional(),
  }),
  isWellFormed: (c) =>
    isId(c.scheduleId) &&
    optional(c.cron, isText(200)) &&
    optional(c.timezone, isText(100)) &&
    optional(c.metadata, isPlainObject) &&
    optional(c.priority, isPriority) &&
    optional(c.overlap, oneOf(OVERLAP)) &&
    optional(c.catchUp, oneOf(CATCH_UP)),
  handle: schedulesUpdate,
});
