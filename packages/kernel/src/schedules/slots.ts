/**
 * Which slots of a due schedule fire, by its policies — pure, so each rule is tested alone.
 *
 * The slots considered are the cron's fire times from the first one not yet considered up to
 * `now` (after a buffered slot, the first one after it; see {@link ScheduleRecord.bufferedAt}).
 *
 * Catch-up (slots missed while nothing fired, e.g. every host was down):
 * - `skip`: only the latest slot, and only if it is at most {@link SKIP_GRACE_MS} old;
 * - `latest`: the latest slot once;
 * - `all`: every slot, at most the latest {@link MAX_CATCH_UP_SLOTS} (older ones are dropped).
 *
 * Overlap (a slot while the schedule's last run has not ended):
 * - `skip`: the slot is dropped;
 * - `buffer_one`: the slot is kept in `bufferedAt` (a later one replaces it) and fires once the
 *   run has ended: `nextFireAt` comes back within {@link BUFFER_RECHECK_MS} to look;
 * - `allow`: the slot fires.
 * A run started for a slot counts as the last run for the slots after it.
 */
import type { ScheduleRecord } from "../records.js";
import type { CronSchedule } from "./cron.js";

/** Most missed slots `catchUp: "all"` fires after a downtime (the latest ones). */
export const MAX_CATCH_UP_SLOTS = 100;
/** How late a slot may be and still fire under `catchUp: "skip"`. */
export const SKIP_GRACE_MS = 60_000;
/** How soon a schedule holding a buffered slot looks again whether its last run has ended. */
export const BUFFER_RECHECK_MS = 5_000;

/** What to do with a due schedule. */
export interface SlotPlan {
  /** Slots to start a run for, ascending. */
  fire: Date[];
  /** Slots dropped because the last run was still active (`overlap: "skip"`). */
  skipped: number;
  /** The slot kept for later (`overlap: "buffer_one"`), or `null`. */
  bufferedAt: Date | null;
  /** When to look at the schedule again (`null`: the cron never fires again). */
  nextFireAt: Date | null;
}

/** Plans the slots of `schedule` at `now`; `lastRunActive`: its last run has not ended. */
export function planSlots(
  schedule: Pick<ScheduleRecord, "nextFireAt" | "bufferedAt" | "catchUp" | "overlap">,
  cron: CronSchedule,
  now: Date,
  lastRunActive: boolean,
): SlotPlan {
  const fire: Date[] = [];
  let skipped = 0;
  let active = lastRunActive;
  let buffered = schedule.bufferedAt;
  if (buffered !== null && !active) {
    fire.push(buffered);
    buffered = null;
    active = true;
  }
  const from =
    schedule.bufferedAt !== null ? cron.nextAfter(schedule.bufferedAt) : schedule.nextFireAt;
  for (const slot of dueSlots(schedule.catchUp, cron, from, now)) {
    if (!active || schedule.overlap === "allow") {
      fire.push(slot);
      active = true;
    } else if (schedule.overlap === "buffer_one") {
      buffered = slot;
    } else {
      skipped++;
    }
  }
  const next = cron.nextAfter(now);
  const recheck = new Date(now.getTime() + BUFFER_RECHECK_MS);
  const nextFireAt =
    buffered === null || (next !== null && next.getTime() < recheck.getTime()) ? next : recheck;
  return { fire, skipped, bufferedAt: buffered, nextFireAt };
}

/** The slots from `from` to `now` that the catch-up policy keeps, ascending. */
function dueSlots(
  catchUp: ScheduleRecord["catchUp"],
  cron: CronSchedule,
  from: Date | null,
  now: Date,
): Date[] {
  if (from === null || from.getTime() > now.getTime()) return [];
  if (catchUp === "all") return cron.latestBetween(from, now, MAX_CATCH_UP_SLOTS);
  const latest = cron.latestBetween(from, now, 1);
  if (catchUp === "latest") return latest;
  return latest.filter((slot) => now.getTime() - slot.getTime() <= SKIP_GRACE_MS);
}
