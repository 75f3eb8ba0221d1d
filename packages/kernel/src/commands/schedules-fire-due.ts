/**
 * `schedules.fireDue`: the tick of cron schedules (not to be confused with `schedule.fireDue`,
 * which fires the scheduler port's deferred commands). In one transaction it claims due
 * schedules — locked, skipping those another host holds — plans each one's slots by its
 * policies (see `schedules/slots.ts`) and starts a run per slot through `run.create`'s own
 * logic, with the idempotency key `ratchet.schedule:<id>:<slot ISO>`: the lock keeps two hosts
 * from firing one schedule at once, the key keeps a slot from ever starting two runs, and the
 * compare-and-set on the schedule's version rolls the batch back if it changed anyway.
 *
 * Cheap when nothing is due: one read of the earliest next fire time, no transaction. The
 * result says when the next schedule is due, so a host can wake then.
 */
import { z } from "zod";
import { IdempotencyKeyConflictError, RatchetError } from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { inTransaction, type UnitOfWork } from "../internal/tx/unit-of-work.js";
import { isTerminalRunStatus, type ScheduleRecord } from "../records.js";
import { compileCron } from "../schedules/cron.js";
import { staleSchedule } from "../schedules/errors.js";
import { planSlots } from "../schedules/slots.js";
import { defineCommand } from "./command.js";
import { id, isId, isPositiveInt, optional, positiveInt } from "./fields.js";
import { prepareRun, writeRun } from "./run-create.js";

/** Starts the runs of the cron schedules that are due. */
export interface SchedulesFireDueCommand {
  type: "schedules.fireDue";
  workerId: string;
  /** Most schedules handled in one transaction (default 20). */
  maxSchedules?: number;
}

/** Result of `schedules.fireDue`. */
export interface SchedulesFireDueResult {
  /** Schedules claimed. */
  schedules: number;
  /** Runs started (one per slot fired). */
  fired: number;
  /** Slots dropped because the last run was still active (`overlap: "skip"`). */
  skipped: number;
  /** Slots that could not start a run (the input no longer passes the schema, …). */
  failed: number;
  /** The earliest next fire time of any unpaused schedule. */
  nextFireAt?: Date;
}

/** Metadata key of a scheduled run: the schedule that started it. */
export const SCHEDULE_ID_METADATA = "ratchet.scheduleId";
/** Metadata key of a scheduled run: the slot it was started for (ISO 8601). */
export const SCHEDULE_SLOT_METADATA = "ratchet.scheduledFor";

/** The idempotency key of a schedule's slot: one run per slot, ever. */
export function slotIdempotencyKey(scheduleId: string, slot: Date): string {
  return `ratchet.schedule:${scheduleId}:${slot.toISOString()}`;
}

/** Handles `schedules.fireDue`. */
export async function schedulesFireDue(
  command: SchedulesFireDueCommand,
  deps: KernelDeps,
): Promise<SchedulesFireDueResult> {
  const now = deps.clock.now();
  const result: SchedulesFireDueResult = { schedules: 0, fired: 0, skipped: 0, failed: 0 };
  let next = await deps.persistence.nextScheduleFireAt();
  if (next !== null && next.getTime() <= now.getTime()) {
    const limit = command.maxSchedules ?? 20;
    await inTransaction(
      deps,
      async (uow) => {
        const due = await uow.tx.claimDueSchedules({ now, limit });
        result.schedules = due.length;
        for (const schedule of due) await fireSchedule(uow, deps, schedule, result);
      },
      now,
    );
    next = await deps.persistence.nextScheduleFireAt();
  }
  if (next !== null) result.nextFireAt = next;
  return result;
}

/** Fires the planned slots of one claimed schedule and moves it on. */
async function fireSchedule(
  uow: UnitOfWork,
  deps: KernelDeps,
  schedule: ScheduleRecord,
  result: SchedulesFireDueResult,
): Promise<void> {
  let cron: ReturnType<typeof compileCron>;
  try {
    cron = compileCron(schedule.cron, schedule.timezone);
  } catch {
    // Stored unreadable (a zone this platform lacks): stop it looping; `schedules list` shows it.
    result.failed++;
    await move(uow, schedule, { nextFireAt: null });
    return;
  }
  if (!deps.registry.getWorkflow(schedule.workflowId)) {
    // This worker lacks the workflow: leave the schedule to one that has it.
    result.failed++;
    return;
  }
  const last = schedule.lastRunId ? await uow.tx.getRun(schedule.lastRunId) : null;
  const plan = planSlots(
    schedule,
    cron,
    uow.now,
    last !== null && !isTerminalRunStatus(last.status),
  );
  result.skipped += plan.skipped;
  let lastFireAt = schedule.lastFireAt;
  let lastRunId = schedule.lastRunId;
  for (const slot of plan.fire) {
    const runId = await startRun(uow, deps, schedule, slot);
    if (runId === null) {
      result.failed++;
      continue;
    }
    if (runId.started) result.fired++;
    lastFireAt = slot;
    lastRunId = runId.workflowRunId;
  }
  await move(uow, schedule, {
    nextFireAt: plan.nextFireAt,
    bufferedAt: plan.bufferedAt,
    lastFireAt,
    lastRunId,
  });
}

/** Starts the run of one slot; `null` when it cannot be started (counted as failed). */
async function startRun(
  uow: UnitOfWork,
  deps: KernelDeps,
  schedule: ScheduleRecord,
  slot: Date,
): Promise<{ workflowRunId: string; started: boolean } | null> {
  let prepared: ReturnType<typeof prepareRun>;
  try {
    prepared = prepareRun(
      {
        workflowId: schedule.workflowId,
        input: schedule.input,
        metadata: {
          ...schedule.metadata,
          [SCHEDULE_ID_METADATA]: schedule.id,
          [SCHEDULE_SLOT_METADATA]: slot.toISOString(),
        },
        priority: schedule.priority,
        idempotencyKey: slotIdempotencyKey(schedule.id, slot),
      },
      deps,
    );
  } catch (error) {
    if (error instanceof RatchetError) return null;
    throw error;
  }
  try {
    const created = await writeRun(uow, deps, prepared);
    // A singleton ("skip") whose key is busy starts nothing: the slot names the active run.
    return { workflowRunId: created.workflowRunId, started: !created.replayed && !created.skipped };
  } catch (error) {
    // The slot started a run before, of a schedule since recreated with another request.
    if (error instanceof IdempotencyKeyConflictError) return null;
    throw error;
  }
}

/** Writes what a tick changed, at the version claimed (a change under it rolls back the batch). */
async function move(
  uow: UnitOfWork,
  schedule: ScheduleRecord,
  patch: Parameters<UnitOfWork["tx"]["updateSchedule"]>[1],
): Promise<void> {
  const updated = await uow.tx.updateSchedule(schedule.id, patch, {
    expectedVersion: schedule.version,
    now: uow.now,
  });
  if (!updated) throw staleSchedule(schedule.id, schedule.version);
}

/** `schedules.fireDue`: its schema, fast check and handler. */
export const schedulesFireDueModule = defineCommand<
  SchedulesFireDueCommand,
  SchedulesFireDueResult
>({
  type: "schedules.fireDue",
  schema: z.object({
    type: z.literal("schedules.fireDue"),
    workerId: id,
    maxSchedules: positiveInt.optional(),
  }),
  isWellFormed: (c) => isId(c.workerId) && optional(c.maxSchedules, isPositiveInt),
  handle: schedulesFireDue,
});
