/**
 * `schedules.list`: schedules by id, a page at a time, each with its next fire times computed
 * by the cron library (what `ratchet schedules list` shows). Reads only.
 */
import { z } from "zod";
import type { KernelDeps } from "../internal/kernel-deps.js";
import type { ScheduleRecord } from "../records.js";
import { compileCron } from "../schedules/cron.js";
import { defineCommand } from "./command.js";
import { id, isId, isPositiveInt, optional } from "./fields.js";

/** Lists schedules. */
export interface SchedulesListCommand {
  type: "schedules.list";
  /** Schedules after this id (the previous page's `nextCursor`). */
  afterId?: string;
  /** Most schedules (default 50, at most 500). */
  limit?: number;
  /** How many next fire times to compute per schedule (default 3, at most 50). */
  upcoming?: number;
}

/** A schedule with its next fire times. */
export interface ScheduleView extends ScheduleRecord {
  /** The next fire times after now (none while paused, or for an unreadable expression). */
  upcoming: Date[];
}

/** Result of `schedules.list`. */
export interface SchedulesListResult {
  schedules: ScheduleView[];
  /** Pass as `afterId` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** The next `count` fire times of `schedule` after `now` (none while paused). */
export function upcomingFireTimes(schedule: ScheduleRecord, now: Date, count: number): Date[] {
  if (schedule.paused || count <= 0) return [];
  try {
    return compileCron(schedule.cron, schedule.timezone).nextTimes(now, count);
  } catch {
    return [];
  }
}

/** Handles `schedules.list`. */
export async function schedulesList(
  command: SchedulesListCommand,
  deps: KernelDeps,
): Promise<SchedulesListResult> {
  const limit = command.limit ?? 50;
  const page = await deps.persistence.listSchedules({
    ...(command.afterId !== undefined ? { afterId: command.afterId } : {}),
    limit: limit + 1,
  });
  const now = deps.clock.now();
  const schedules = page
    .slice(0, limit)
    .map((s) => ({ ...s, upcoming: upcomingFireTimes(s, now, command.upcoming ?? 3) }));
  const last = schedules[schedules.length - 1];
  return page.length > limit && last ? { schedules, nextCursor: last.id } : { schedules };
}

const isLimit = (max: number) => (v: unknown) => isPositiveInt(v) && (v as number) <= max;

/** `schedules.list`: its schema, fast check and handler. */
export const schedulesListModule = defineCommand<SchedulesListCommand, SchedulesListResult>({
  type: "schedules.list",
  schema: z.object({
    type: z.literal("schedules.list"),
    afterId: id.optional(),
    limit: z.number().int().min(1).max(500).optional(),
    upcoming: z.number().int().min(1).max(50).optional(),
  }),
  isWellFormed: (c) =>
    optional(c.afterId, isId) &&
    optional(c.limit, isLimit(500)) &&
    optional(c.upcoming, isLimit(50)),
  handle: schedulesList,
});
