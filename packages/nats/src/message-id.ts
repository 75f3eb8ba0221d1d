/**
 * The `Nats-Msg-Id` of a message of ready work: the same work published twice (a retried
 * publish, two commits reporting one job due at one time) gets the same id, so JetStream's
 * duplicate window stores it once. Work that becomes ready again (a retry, a released lease)
 * has a new `availableAt`, hence a new id.
 */
import type { ReadyWork } from "@ratchet/kernel";

/** `job:<jobId>@<availableAt ISO>` or `run:<workflowRunId>@<availableAt ISO>`. */
export function readyWorkMessageId(work: ReadyWork): string {
  const id = work.kind === "job" ? `job:${work.jobId}` : `run:${work.workflowRunId}`;
  return `${id}@${work.availableAt.toISOString()}`;
}
