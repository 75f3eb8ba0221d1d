/**
 * The kernel's OpenTelemetry: a span per run and per stage attempt, and the stage and run
 * metrics, through `@opentelemetry/api` only (docs/observability.md, docs/adr/0006).
 *
 * A run outlives the process that creates it, so it is not one long span: `run.create` records
 * a short `ratchet.run <workflow>` span (a child of the caller's active span) and stores its
 * context in the run's metadata ({@link TRACE_CONTEXT_KEY}); every stage attempt, on whichever
 * worker, is a `ratchet.stage <stage>` span under it, and the run's end is a
 * `ratchet.run.end <workflow>` span under it that covers the run's life (created → ended).
 *
 * Without a registered SDK every entry point returns after a lookup or two: no span, name or
 * attribute object is built.
 */
import {
  type Attributes,
  context,
  isSpanContextValid,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { Clock } from "../ports/clock.js";
import type { DequeuedJob, JsonObject, RunRecord, StageRecord } from "../records.js";
import { InstrumentCache } from "./instruments.js";
import { ATTR, type AttemptOutcome, SPAN } from "./names.js";
import { storedContext, TRACE_CONTEXT_KEY, traceContextValue } from "./trace-context.js";

/** The parts of a `job.execute` result telemetry reads. */
export interface AttemptResult {
  outcome: string;
  error?: { code: string; message: string };
  reason?: string;
}

/** A run's span while `run.create` writes it. */
export interface RunSpan {
  /** The run's metadata with the span's trace context added. */
  metadata: JsonObject;
  /** Ends the span once the run is written (after commit). */
  end(run: RunRecord): void;
}

/** A stage attempt in progress. */
interface Attempt {
  job: DequeuedJob;
  startedAt: Date;
  span: Span | undefined;
  /** The stage threw and the exception is on the span already. */
  thrown: boolean;
}

/** `job.execute`'s outcomes as `ratchet.stage.outcome` names them. */
const OUTCOMES: Readonly<Record<string, AttemptOutcome>> = {
  completed: "completed",
  retrying: "retry",
  failed: "failed",
  suspended: "suspended",
  cancelled: "cancelled",
  skipped: "skipped",
};

const seconds = (from: Date, to: Date): number => Math.max(0, to.getTime() - from.getTime()) / 1000;

/** One kernel's telemetry (see the module comment). */
export class KernelTelemetry {
  private readonly cache = new InstrumentCache();
  /** Attempts by their `job.execute` command object, between start and end. */
  private readonly attempts = new WeakMap<object, Attempt>();

  constructor(private readonly clock: Clock) {}

  /**
   * Starts the span of a run about to be written, a child of the caller's active context, and
   * returns the metadata to store with its trace context; `undefined` when nothing traces.
   */
  startRun(workflow: { id: string; version: string }, metadata: JsonObject): RunSpan | undefined {
    const tracer = this.cache.tracer();
    if (!tracer) return undefined;
    const span = tracer.startSpan(`${SPAN.run} ${workflow.id}`, { kind: SpanKind.PRODUCER });
    const spanContext = span.spanContext();
    if (!isSpanContextValid(spanContext)) {
      span.end();
      return undefined;
    }
    return {
      // Stored even when not sampled: its flags keep the stages out of the trace as well.
      metadata: { ...metadata, [TRACE_CONTEXT_KEY]: traceContextValue(spanContext) },
      end(run) {
        if (span.isRecording()) {
          span.setAttributes({
            [ATTR.workflowId]: run.workflowId,
            [ATTR.workflowVersion]: run.workflowVersion,
            [ATTR.runId]: run.id,
            [ATTR.runStatus]: run.status,
          });
        }
        span.end();
      },
    };
  }

  /**
   * A stage attempt starts (`job.execute`, once the run is read): its span, under the run's
   * stored context, and the first attempt's queue wait. `key` is the command, which
   * {@link traceJob} ends it by.
   */
  attemptStarted(
    key: object,
    job: DequeuedJob,
    run: RunRecord,
    record: StageRecord,
    startedAt: Date,
    workerId: string,
  ): void {
    const tracer = this.cache.tracer();
    const meters = this.cache.meters();
    if (!tracer && !meters) return;
    let span: Span | undefined;
    if (tracer) {
      span = tracer.startSpan(
        `${SPAN.stage} ${job.stageId}`,
        { kind: SpanKind.CONSUMER },
        storedContext(run.metadata, context.active()),
      );
      if (span.isRecording()) {
        span.setAttributes({
          [ATTR.workflowId]: run.workflowId,
          [ATTR.workflowVersion]: run.workflowVersion,
          [ATTR.runId]: run.id,
          [ATTR.stageId]: job.stageId,
          [ATTR.stageAttempt]: job.attempt,
          [ATTR.stageMaxAttempts]: job.maxAttempts,
          [ATTR.jobId]: job.jobId,
          [ATTR.workerId]: workerId,
        });
      }
    }
    // A retry's job waits for its back-off first, which the job handed out does not carry.
    if (meters && job.attempt === 1) {
      meters.stageQueueWait.record(seconds(record.createdAt, startedAt), {
        [ATTR.workflowId]: job.workflowId,
        [ATTR.stageId]: job.stageId,
      });
    }
    this.attempts.set(key, { job, startedAt, span, thrown: false });
  }

  /** Runs the stage's body inside its attempt's span, so the spans it makes nest under it. */
  inAttempt<T>(key: object, body: () => Promise<T>): Promise<T> {
    const attempt = this.attempts.get(key);
    return attempt?.span ? this.inSpan(attempt, attempt.span, body) : body();
  }

  /** {@link inAttempt} with a span: the body's exception goes on it. */
  private async inSpan<T>(attempt: Attempt, span: Span, body: () => Promise<T>): Promise<T> {
    try {
      return await context.with(trace.setSpan(context.active(), span), body);
    } catch (error) {
      if (span.isRecording()) {
        span.recordException(error instanceof Error ? error : String(error));
        attempt.thrown = true;
      }
      throw error;
    }
  }

  /**
   * Runs `job.execute` (`execute`) and ends its attempt's span and metrics with the result;
   * without an SDK, just runs it.
   */
  traceJob<R extends AttemptResult>(key: object, execute: () => Promise<R>): Promise<R> {
    if (!this.cache.tracer() && !this.cache.meters()) return execute();
    return this.traced(key, execute);
  }

  /** {@link traceJob} with an SDK. */
  private async traced<R extends AttemptResult>(
    key: object,
    execute: () => Promise<R>,
  ): Promise<R> {
    let result: R;
    try {
      result = await execute();
    } catch (error) {
      const attempt = this.attempts.get(key);
      this.attempts.delete(key);
      if (attempt?.span) {
        if (attempt.span.isRecording() && !attempt.thrown)
          attempt.span.recordException(error instanceof Error ? error : String(error));
        attempt.span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
        attempt.span.end();
      }
      throw error;
    }
    this.attemptEnded(key, result);
    return result;
  }

  /** Ends an attempt with `job.execute`'s result. */
  private attemptEnded(key: object, result: AttemptResult): void {
    const attempt = this.attempts.get(key);
    if (!attempt) return;
    this.attempts.delete(key);
    const outcome = OUTCOMES[result.outcome] ?? "skipped";
    const { job, span } = attempt;
    const meters = this.cache.meters();
    if (meters) {
      const attributes: Attributes = {
        [ATTR.workflowId]: job.workflowId,
        [ATTR.stageId]: job.stageId,
        [ATTR.stageOutcome]: outcome,
      };
      meters.stageDuration.record(seconds(attempt.startedAt, this.clock.now()), attributes);
      if (outcome === "retry" || outcome === "failed") {
        const counted: Attributes = {
          [ATTR.workflowId]: job.workflowId,
          [ATTR.stageId]: job.stageId,
          [ATTR.errorType]: result.error?.code ?? "unknown",
        };
        (outcome === "retry" ? meters.stageRetries : meters.stageFailures).add(1, counted);
      }
    }
    if (!span) return;
    if (span.isRecording()) {
      span.setAttribute(ATTR.stageOutcome, outcome);
      if (result.reason !== undefined) span.setAttribute(ATTR.stageReason, result.reason);
      const error = result.error;
      if (error) {
        if (!attempt.thrown) span.recordException({ name: error.code, message: error.message });
        span.setAttribute(ATTR.errorType, error.code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      }
    }
    span.end();
  }

  /**
   * Events the sink accepted: `ratchet.outbox.publish_delay`, from each event's commit to `now`
   * (an outbox that falls behind its stages shows here first).
   */
  eventsPublished(events: ReadonlyArray<{ type: string; occurredAt: Date }>, now: Date): void {
    if (events.length === 0) return;
    const meters = this.cache.meters();
    if (!meters) return;
    for (const event of events)
      meters.outboxPublishDelay.record(seconds(event.occurredAt, now), {
        [ATTR.eventType]: event.type,
      });
  }

  /** Runs started running (claimed, or rerun): `ratchet.runs.in_flight` goes up. */
  runsStarted(runs: ReadonlyArray<{ workflowId: string }>): void {
    if (runs.length === 0) return;
    const meters = this.cache.meters();
    if (!meters) return;
    for (const run of runs) meters.runsInFlight.add(1, { [ATTR.workflowId]: run.workflowId });
  }

  /**
   * `run` reached a final status (after the commit): `ratchet.run.ended`, the in-flight count
   * when it was running, and its `ratchet.run.end` span, which spans the run's life.
   */
  runEnded(run: RunRecord, wasRunning: boolean): void {
    const meters = this.cache.meters();
    if (meters) {
      meters.runEnded.add(1, { [ATTR.workflowId]: run.workflowId, [ATTR.runStatus]: run.status });
      if (wasRunning) meters.runsInFlight.add(-1, { [ATTR.workflowId]: run.workflowId });
    }
    const tracer = this.cache.tracer();
    if (!tracer) return;
    const end = run.completedAt ?? this.clock.now();
    const span = tracer.startSpan(
      `${SPAN.runEnd} ${run.workflowId}`,
      { kind: SpanKind.INTERNAL, startTime: run.createdAt },
      storedContext(run.metadata, context.active()),
    );
    if (span.isRecording()) {
      span.setAttributes({
        [ATTR.workflowId]: run.workflowId,
        [ATTR.workflowVersion]: run.workflowVersion,
        [ATTR.runId]: run.id,
        [ATTR.runStatus]: run.status,
        [ATTR.runDurationMs]: Math.max(0, end.getTime() - run.createdAt.getTime()),
      });
      if (
        run.status === "FAILED" ||
        run.status === "TIMED_OUT" ||
        run.status === "COMPENSATED" ||
        run.status === "COMPENSATION_FAILED"
      ) {
        if (run.error) span.setAttribute(ATTR.errorType, run.error.code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: run.error?.message ?? run.status });
      }
    }
    span.end(end);
  }
}
