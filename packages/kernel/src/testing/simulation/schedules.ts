/**
 * Cron schedules in the simulation: schedules created at the start and ticked by every worker's
 * duties (with the faults), the runs they start joining the simulation's runs, and the
 * invariant that no slot of a schedule ever starts two runs (`schedule-slot-twice`).
 */
import { SCHEDULE_ID_METADATA, SCHEDULE_SLOT_METADATA } from "../../commands/schedules-fire-due.js";
import type { InMemoryStore } from "../../in-memory/store.js";
import type { Kernel } from "../../kernel.js";
import type { ScheduleCatchUpPolicy, ScheduleOverlapPolicy } from "../../records.js";
import type { InvariantViolation } from "./violations.js";

/** A cron schedule to create at the start of a simulation. */
export interface SimulationScheduleSpec {
  workflowId: string;
  /** E.g. `*\/30 * * * * *` (every 30 s of fake time). */
  cron: string;
  input: unknown;
  overlap?: ScheduleOverlapPolicy;
  catchUp?: ScheduleCatchUpPolicy;
}

/**
 * Creates the schedules (ids `sim-schedule-<i>`), each through the kernel `kernelFor` gives for
 * its workflow (one that registers it); returns their ids.
 */
export async function createSchedules(
  kernelFor: (workflowId: string) => Kernel,
  specs: readonly SimulationScheduleSpec[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, spec] of specs.entries()) {
    const scheduleId = `sim-schedule-${i}`;
    await kernelFor(spec.workflowId).dispatch({
      type: "schedules.create",
      scheduleId,
      workflowId: spec.workflowId,
      cron: spec.cron,
      input: spec.input,
      ...(spec.overlap ? { overlap: spec.overlap } : {}),
      ...(spec.catchUp ? { catchUp: spec.catchUp } : {}),
    });
    ids.push(scheduleId);
  }
  return ids;
}

/** The runs schedules started that are not in `known` yet, oldest first. */
export function newScheduledRuns(store: InMemoryStore, known: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const run of store.runs.values()) {
    if (run.metadata[SCHEDULE_ID_METADATA] !== undefined && !known.has(run.id)) found.push(run.id);
  }
  return found;
}

/** `schedule-slot-twice` when a slot of a schedule started more than one run. */
export function checkScheduleSlots(store: InMemoryStore): InvariantViolation | undefined {
  const seen = new Map<string, string>();
  for (const run of store.runs.values()) {
    const schedule = run.metadata[SCHEDULE_ID_METADATA];
    if (schedule === undefined) continue;
    const slot = `${String(schedule)} ${String(run.metadata[SCHEDULE_SLOT_METADATA])}`;
    const first = seen.get(slot);
    if (first !== undefined) {
      return {
        invariant: "schedule-slot-twice",
        detail: `schedule slot ${slot} started runs ${first} and ${run.id}`,
      };
    }
    seen.set(slot, run.id);
  }
  return undefined;
}
