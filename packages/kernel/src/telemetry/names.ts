/**
 * The names Ratchet's spans, metrics and attributes are published under (see
 * docs/observability.md). Semantic-convention names where OpenTelemetry has one (`error.type`),
 * `ratchet.*` for the rest.
 */

/** Instrumentation scope of the kernel's tracer and meter. */
export const INSTRUMENTATION_SCOPE = "@ratchet/kernel";

/** Span and metric attribute names. */
export const ATTR = {
  workflowId: "ratchet.workflow.id",
  workflowVersion: "ratchet.workflow.version",
  runId: "ratchet.run.id",
  runStatus: "ratchet.run.status",
  runDurationMs: "ratchet.run.duration_ms",
  runReplayed: "ratchet.run.replayed",
  stageId: "ratchet.stage.id",
  stageAttempt: "ratchet.stage.attempt",
  stageMaxAttempts: "ratchet.stage.max_attempts",
  stageOutcome: "ratchet.stage.outcome",
  stageReason: "ratchet.stage.reason",
  jobId: "ratchet.job.id",
  workerId: "ratchet.worker.id",
  eventType: "ratchet.event.type",
  /** Semantic conventions' `error.type`: the stored error's code. */
  errorType: "error.type",
} as const;

/** Span names: each is followed by a space and the workflow's or stage's id. */
export const SPAN = {
  run: "ratchet.run",
  stage: "ratchet.stage",
  runEnd: "ratchet.run.end",
} as const;

/** Metric names. */
export const METRIC = {
  stageDuration: "ratchet.stage.duration",
  stageQueueWait: "ratchet.stage.queue_wait",
  stageRetries: "ratchet.stage.retries",
  stageFailures: "ratchet.stage.failures",
  runEnded: "ratchet.run.ended",
  runsInFlight: "ratchet.runs.in_flight",
  outboxPublishDelay: "ratchet.outbox.publish_delay",
} as const;

/**
 * How a stage attempt ended (`ratchet.stage.outcome`): `skipped` when nothing of it was
 * committed (another delivery settled it, its lease was lost, the run had ended).
 */
export type AttemptOutcome =
  | "completed"
  | "failed"
  | "retry"
  | "suspended"
  | "cancelled"
  | "skipped";
