/** The rows of cron schedules (see `records.ts`). */
import type { JsonObject, JsonValue } from "./json.js";

/** What a schedule's slot does while the schedule's last run is still active. */
export type ScheduleOverlapPolicy = "skip" | "buffer_one" | "allow";

/** What the slots missed while nothing fired (downtime) do. */
export type ScheduleCatchUpPolicy = "skip" | "latest" | "all";

/** A cron schedule that starts runs of a workflow. */
export interface ScheduleRecord {
  /** The schedule's name, chosen by the user. */
  id: string;
  workflowId: string;
  cron: string;
  /** IANA time zone the cron expression is read in. */
  timezone: string;
  input: JsonValue;
  metadata: JsonObject;
  priority: number;
  overlap: ScheduleOverlapPolicy;
  catchUp: ScheduleCatchUpPolicy;
  paused: boolean;
  /** The next slot to fire; `null` while paused. */
  nextFireAt: Date | null;
  /** The last slot fired. */
  lastFireAt: Date | null;
  lastRunId: string | null;
  /** `buffer_one`: a slot that came while the last run was active, fired once it ends. */
  bufferedAt: Date | null;
  /** Incremented by every write. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
