/**
 * A run's W3C trace context, kept in its metadata so every stage attempt — on any worker, in
 * any process, after any retry — joins the trace the run started in.
 *
 * It is written by the kernel itself (`traceparent`/`tracestate` as the W3C Trace Context
 * headers spell them), not through the global propagator: an SDK registered without one
 * still gets one trace per run.
 */
import {
  type Context,
  createTraceState,
  isSpanContextValid,
  ROOT_CONTEXT,
  type SpanContext,
  trace,
} from "@opentelemetry/api";
import type { JsonObject, JsonValue } from "../records.js";

/**
 * The run metadata key holding the run's trace context: `{ traceparent, tracestate? }`.
 * Reserved: stages do not see it in `ctx.metadata`, and `run.create` overwrites it when a
 * trace is recorded.
 */
export const TRACE_CONTEXT_KEY = "ratchet.trace";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The metadata value that stores `span` (as `traceparent`/`tracestate`). */
export function traceContextValue(span: SpanContext): JsonObject {
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, "0");
  const value: JsonObject = { traceparent: `00-${span.traceId}-${span.spanId}-${flags}` };
  const state = span.traceState?.serialize();
  if (state) value.tracestate = state;
  return value;
}

/** The span context stored in a run's `metadata`, or `undefined` when there is none (or it is unreadable). */
export function storedSpanContext(
  metadata: Readonly<Record<string, JsonValue>>,
): SpanContext | undefined {
  const stored = metadata[TRACE_CONTEXT_KEY];
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) return undefined;
  const { traceparent, tracestate } = stored;
  if (typeof traceparent !== "string") return undefined;
  const match = TRACEPARENT.exec(traceparent);
  if (!match) return undefined;
  const span: SpanContext = {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: Number.parseInt(match[3] as string, 16),
    isRemote: true,
    ...(typeof tracestate === "string" && tracestate !== ""
      ? { traceState: createTraceState(tracestate) }
      : {}),
  };
  return isSpanContextValid(span) ? span : undefined;
}

/**
 * A context whose parent is the span stored in `metadata`; `fallback` (the caller's active
 * context) for a run that has none, e.g. one created before an SDK was registered.
 */
export function storedContext(
  metadata: Readonly<Record<string, JsonValue>>,
  fallback: Context,
): Context {
  const span = storedSpanContext(metadata);
  return span ? trace.setSpanContext(ROOT_CONTEXT, span) : fallback;
}

/** `metadata` without the kernel's key: what stages are shown as `ctx.metadata`. */
export function withoutTraceContext<T>(metadata: Record<string, T>): Record<string, T> {
  if (!(TRACE_CONTEXT_KEY in metadata)) return metadata;
  const { [TRACE_CONTEXT_KEY]: _, ...rest } = metadata;
  return rest;
}

/** The trace context a child run inherits from its parent's metadata (an empty object when none). */
export function inheritedTraceContext(parent: Readonly<Record<string, JsonValue>>): JsonObject {
  const stored = parent[TRACE_CONTEXT_KEY];
  return stored === undefined ? {} : { [TRACE_CONTEXT_KEY]: stored };
}
