/**
 * `schedule.fireDue`: dispatches scheduled commands whose time has come. An entry is leased
 * while it fires and deleted once its command succeeded; one that fails is handed out again
 * when its lease ends. The result says when the next entry comes due, when the scheduler can
 * tell, so a host can wake then.
 */
import type { KernelDeps } from "../internal/kernel-deps.js";
import type { Command, ScheduleFireDueCommand, ScheduleFireDueResult } from "./types.js";

/** Handles `schedule.fireDue`; `dispatch` is the kernel's own. */
export async function scheduleFireDue(
  command: ScheduleFireDueCommand,
  deps: KernelDeps,
  dispatch: (command: Command) => Promise<unknown>,
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
      await dispatch({ ...entry.payload, type: entry.type } as Command);
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
