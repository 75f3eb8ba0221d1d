/**
 * Correlation ids of what the kernel schedules for a waiting stage. Both live under the run's
 * prefix, so ending the run drops them; scheduling `stage.resume` again replaces the entry (a
 * delivered signal moves the time-out entry to now).
 */
import type { ScheduleRequest } from "../../ports/scheduler.js";
import { runCorrelationPrefix } from "../run/correlation.js";

/** The command that resumes a waiting stage once something ended its wait (or it timed out). */
export const STAGE_RESUME_COMMAND = "stage.resume";

/** The command that publishes `workflow.approval.escalated` for an undecided approval. */
export const APPROVAL_ESCALATE_COMMAND = "approval.escalate";

/** Correlation id of a waiting stage's resume (or time-out) entry. */
export function resumeCorrelationId(runId: string, stageRecordId: string): string {
  return `${runCorrelationPrefix(runId)}:resume:${stageRecordId}`;
}

/** Correlation id of an approval's escalation entry. */
export function escalateCorrelationId(runId: string, stageRecordId: string): string {
  return `${runCorrelationPrefix(runId)}:escalate:${stageRecordId}`;
}

/** The signal name a child run's end is delivered to its parent as. */
export function childSignalName(childRunId: string): string {
  return `child:${childRunId}`;
}

/** Prefixes of the signal names the kernel sends itself (children's ends, approvals' decisions). */
export const RESERVED_SIGNAL_PREFIXES: readonly string[] = ["child:", "approval:"];

/** Whether `name` is one the kernel sends itself, which `run.signal` refuses. */
export function isReservedSignalName(name: string): boolean {
  return RESERVED_SIGNAL_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** The scheduler entry that resumes `stage` at `runAt`. */
export function resumeEntry(runId: string, stageRecordId: string, runAt: Date): ScheduleRequest {
  return {
    type: STAGE_RESUME_COMMAND,
    correlationId: resumeCorrelationId(runId, stageRecordId),
    payload: { workflowRunId: runId, stageRecordId },
    runAt,
  };
}

/**
 * The scheduler entry that cancels child run `childRunId` because its parent ended: a
 * `run.cancel` that leaves a child which has ended alone (`ifActive`), each child in its own
 * transaction.
 */
export function childCancelEntry(childRunId: string, reason: string, at: Date): ScheduleRequest {
  return {
    type: "run.cancel",
    correlationId: `${runCorrelationPrefix(childRunId)}:parent-ended`,
    payload: { workflowRunId: childRunId, reason, ifActive: true },
    runAt: at,
  };
}
