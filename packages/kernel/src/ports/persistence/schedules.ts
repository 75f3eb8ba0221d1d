/**
 * The schedules part of the {@link Persistence} port: cron schedules that start runs.
 *
 * - `createSchedule` inserts at version 1 (`updatedAt` = `createdAt`); an id that exists
 *   changes nothing and answers `null`.
 * - `getSchedule(id, { forUpdate: true })` inside a transaction locks the row until commit.
 * - `claimDueSchedules` inside a transaction locks up to `limit` unpaused schedules whose
 *   `nextFireAt <= now`, earliest `nextFireAt` first (then by id), skipping rows another
 *   transaction holds (PostgreSQL: `FOR UPDATE SKIP LOCKED`), so two hosts never fire the same
 *   schedule at once. It changes nothing itself: the caller updates what it fired.
 * - `updateSchedule` with `expectedVersion` changes nothing and returns `null` when the row is
 *   not at that version (or is gone); every update increments `version` and sets `updatedAt`.
 * - `nextScheduleFireAt` is the earliest `nextFireAt` of an unpaused schedule (`null`: none),
 *   so a host can wake when the next one is due.
 * - `listSchedules` lists by id, ascending, after `afterId` when given.
 */
import type { ScheduleRecord } from "../../records.js";

/** Fields a caller provides to create a schedule. */
export type NewSchedule = Omit<ScheduleRecord, "version" | "updatedAt">;

/** Fields of a schedule a command may change. */
export type SchedulePatch = Partial<
  Omit<ScheduleRecord, "id" | "version" | "createdAt" | "updatedAt">
>;

/** Cron schedules. */
export interface ScheduleStore {
  /** Creates a schedule; `null` (and nothing written) when one with its id exists. */
  createSchedule(schedule: NewSchedule): Promise<ScheduleRecord | null>;
  getSchedule(id: string, options?: { forUpdate?: boolean }): Promise<ScheduleRecord | null>;
  updateSchedule(
    id: string,
    patch: SchedulePatch,
    options: { expectedVersion?: number; now: Date },
  ): Promise<ScheduleRecord | null>;
  deleteSchedule(id: string): Promise<boolean>;
  /** Schedules by id, from after `afterId`. */
  listSchedules(query: { afterId?: string; limit: number }): Promise<ScheduleRecord[]>;
  claimDueSchedules(options: { now: Date; limit: number }): Promise<ScheduleRecord[]>;
  /** The earliest `nextFireAt` of any unpaused schedule, or `null` when none has one. */
  nextScheduleFireAt(): Promise<Date | null>;
}
