/**
 * `schedules.pause` and `schedules.resume`. A paused schedule fires nothing (its `nextFireAt`
 * is `null`, a buffered slot is dropped); resuming starts again from the first slot after now,
 * so the slots of the pause are not caught up (catch-up is for downtime, not for a pause).
 */
import { z } from "zod";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { inTransaction } from "../internal/tx/unit-of-work.js";
import { compileCron } from "../schedules/cron.js";
import { scheduleNotFound, staleSchedule } from "../schedules/errors.js";
import { defineCommand } from "./command.js";
import { id, isId } from "./fields.js";

/** Pauses a schedule. */
export interface SchedulesPauseCommand {
  type: "schedules.pause";
  scheduleId: string;
}

/** Resumes a paused schedule. */
export interface SchedulesResumeCommand {
  type: "schedules.resume";
  scheduleId: string;
}

/** Result of `schedules.pause` and `schedules.resume`. */
export interface SchedulesPauseResult {
  scheduleId: string;
  paused: boolean;
  /** The next slot (`null` while paused). */
  nextFireAt: Date | null;
}

/** Pauses (`paused: true`) or resumes a schedule; pausing a paused one changes nothing. */
async function setPaused(
  scheduleId: string,
  paused: boolean,
  deps: KernelDeps,
): Promise<SchedulesPauseResult> {
  return inTransaction(deps, async (uow) => {
    const schedule = await uow.tx.getSchedule(scheduleId, { forUpdate: true });
    if (!schedule) throw scheduleNotFound(scheduleId);
    if (schedule.paused === paused) return { scheduleId, paused, nextFireAt: schedule.nextFireAt };
    const nextFireAt = paused
      ? null
      : compileCron(schedule.cron, schedule.timezone).nextAfter(uow.now);
    const updated = await uow.tx.updateSchedule(
      scheduleId,
      { paused, nextFireAt, bufferedAt: null },
      { expectedVersion: schedule.version, now: uow.now },
    );
    if (!updated) throw staleSchedule(scheduleId, schedule.version);
    return { scheduleId, paused, nextFireAt };
  });
}

/** `schedules.pause`: its schema, fast check and handler. */
export const schedulesPauseModule = defineCommand<SchedulesPauseCommand, SchedulesPauseResult>({
  type: "schedules.pause",
  schema: z.object({ type: z.literal("schedules.pause"), scheduleId: id }),
  isWellFormed: (c) => isId(c.scheduleId),
  handle: (command, deps) => setPaused(command.scheduleId, true, deps),
});

/** `schedules.resume`: its schema, fast check and handler. */
export const schedulesResumeModule = defineCommand<SchedulesResumeCommand, SchedulesPauseResult>({
  type: "schedules.resume",
  schema: z.object({ type: z.literal("schedules.resume"), scheduleId: id }),
  isWellFormed: (c) => isId(c.scheduleId),
  handle: (command, deps) => setPaused(command.scheduleId, false, deps),
});
