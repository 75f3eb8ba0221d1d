/** The errors of schedule commands that name a schedule. */
import { RatchetError } from "../errors.js";

/** `SCHEDULE_NOT_FOUND` (field `scheduleId`): no schedule has this id. */
export function scheduleNotFound(scheduleId: string): RatchetError {
  return new RatchetError("SCHEDULE_NOT_FOUND", `[ratchet] no schedule "${scheduleId}"`, {
    field: "scheduleId",
  });
}

/** `STALE_VERSION`: a schedule changed under a write that held no lock on it. */
export function staleSchedule(scheduleId: string, version: number): RatchetError {
  return new RatchetError(
    "STALE_VERSION",
    `[ratchet] schedule "${scheduleId}" is no longer at version ${version}; nothing was changed`,
    { field: "scheduleId" },
  );
}
