/**
 * `schedule.fireDue`: dispatches scheduled commands whose time has come. An entry is leased
 * while it fires and deleted once its command succeeded; one that fails is handed out again
 * when its lease ends. The result says when the next entry comes due, when the scheduler can
 * tell, so a host can wake then.
 */

import { z } from "zod";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { defineCommand, type NestedDispatch } from "./command.js";
import { id, isId, isPositiveInt, optional, positiveInt } from "./fields.js";

/** Dispatches scheduled commands that are due. */
export interface ScheduleFireDueCommand {
  type: "schedule.fireDue";
  workerId: string;
  /** Most entries to fire (default 50). */
  maxCommands?: number;
}

/** Result of `schedule.fireDue`. */
export interface ScheduleFireDueResult {
  fired: number;
  failed: number;
  /** When the next entry comes due, if the scheduler can tell (`Scheduler.nextDueAfter`). */
  nextDueAt?: Date;
}

/** Handles `schedule.fireDue`; `dispatch` is the kernel's own. */
export async function scheduleFireDue(
  command: ScheduleFireDueCommand,
  deps: KernelDeps,
  dispatch: NestedDispatch,
): Promise<ScheduleFireDueResult> {
  const now = deps.clock.now();
  const due = await deps.scheduler.claimDue({
    now,
    limit: command.maxCommands ?? 50,
    workerId: command.workerId,
    leaseMs: deps.options.jobLeaseMs,
  });
  const result: ScheduleFireDueResult = { fired: 0, failed: 0 };
  const done: string[] = [];
  for (const entry of due) {
    try {
      await dispatch({ ...entry.payload, type: entry.type });
      done.push(entry.id);
      result.fired++;
    } catch {
      result.failed++;
    }
  }
  if (done.length > 0) await deps.scheduler.acknowledge(done);
  const next = await deps.scheduler.nextDueAfter?.(now);
  if (next) result.nextDueAt = next;
  return result;
}

/** `schedule.fireDue`: its schema, fast check and handler. */
export const scheduleFireDueModule = defineCommand<ScheduleFireDueCommand, ScheduleFireDueResult>({
  type: "schedule.fireDue",
  schema: z.object({
    type: z.literal("schedule.fireDue"),
    workerId: id,
    maxCommands: positiveInt.optional(),
  }),
  isWellFormed: (c) => isId(c.workerId) && optional(c.maxCommands, isPositiveInt),
  handle: scheduleFireDue,
});
