/** `schedules.delete`: removes a schedule; the runs it started are left as they are. */
import { z } from "zod";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { scheduleNotFound } from "../schedules/errors.js";
import { defineCommand } from "./command.js";
import { id, isId } from "./fields.js";

/** Deletes a schedule. */
export interface SchedulesDeleteCommand {
  type: "schedules.delete";
  scheduleId: string;
}

/** Result of `schedules.delete`. */
export interface SchedulesDeleteResult {
  scheduleId: string;
  deleted: true;
}

/** Handles `schedules.delete`; `SCHEDULE_NOT_FOUND` when there is no such schedule. */
export async function schedulesDelete(
  command: SchedulesDeleteCommand,
  deps: KernelDeps,
): Promise<SchedulesDeleteResult> {
  if (!(await deps.persistence.deleteSchedule(command.scheduleId)))
    throw scheduleNotFound(command.scheduleId);
  return { scheduleId: command.scheduleId, deleted: true };
}

/** `schedules.delete`: its schema, fast check and handler. */
export const schedulesDeleteModule = defineCommand<SchedulesDeleteCommand, SchedulesDeleteResult>({
  type: "schedules.delete",
  schema: z.object({ type: z.literal("schedules.delete"), scheduleId: id }),
  isWellFormed: (c) => isId(c.scheduleId),
  handle: schedulesDelete,
});
