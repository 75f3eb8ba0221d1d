/**
 * The kernel's tracer and metric instruments, looked up through `@opentelemetry/api`'s globals
 * when used — so an SDK registered after `createKernel` (or replaced in tests) is picked up —
 * and cached per registered provider. Without an SDK both lookups answer "off" in a few
 * property reads, and the callers then build no span, name or attribute at all.
 */
import {
  type Counter,
  createNoopMeter,
  type Histogram,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  type Tracer,
  type TracerProvider,
  trace,
  type UpDownCounter,
  ValueType,
} from "@opentelemetry/api";
import { INSTRUMENTATION_SCOPE, METRIC } from "./names.js";

/** The kernel's metric instruments under one meter provider. */
export interface Instruments {
  provider: MeterProvider;
  stageDuration: Histogram;
  stageQueueWait: Histogram;
  stageRetries: Counter;
  stageFailures: Counter;
  runEnded: Counter;
  runsInFlight: UpDownCounter;
  outboxPublishDelay: Histogram;
}

/** What the API's no-op meter hands out: instruments equal to it record nothing. */
const NOOP_HISTOGRAM: Histogram = createNoopMeter().createHistogram(METRIC.stageDuration);

/** The instruments of the registered meter provider, or `undefined` when none is registered. */
export class InstrumentCache {
  private instruments: Instruments | undefined;
  private tracing: { provider: TracerProvider; tracer: Tracer } | undefined;
  private off: MeterProvider | undefined;

  /** The kernel's tracer, or `undefined` when no tracer provider is registered. */
  tracer(): Tracer | undefined {
    const provider = trace.getTracerProvider();
    if (this.tracing?.provider === provider) return this.tracing.tracer;
    // The global is a proxy until an SDK registers: its delegate is the SDK's provider.
    const tracer =
      provider instanceof ProxyTracerProvider
        ? provider.getDelegateTracer(INSTRUMENTATION_SCOPE)
        : provider.getTracer(INSTRUMENTATION_SCOPE);
    if (tracer) this.tracing = { provider, tracer };
    return tracer;
  }

  /** The kernel's instruments, or `undefined` when no meter provider is registered. */
  meters(): Instruments | undefined {
    const provider = metrics.getMeterProvider();
    if (this.instruments?.provider === provider) return this.instruments;
    if (this.off === provider) return undefined;
    const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
    const stageDuration = meter.createHistogram(METRIC.stageDuration, {
      description: "How long a stage attempt ran, from its start to its commit.",
      unit: "s",
      valueType: ValueType.DOUBLE,
    });
    if (stageDuration === NOOP_HISTOGRAM) {
      this.off = provider;
      return undefined;
    }
    this.instruments = {
      provider,
      stageDuration,
      stageQueueWait: meter.createHistogram(METRIC.stageQueueWait, {
        description:
          "How long a stage's first attempt waited for a worker: from the stage's job being enqueued to the attempt's start.",
        unit: "s",
        valueType: ValueType.DOUBLE,
      }),
      stageRetries: meter.createCounter(METRIC.stageRetries, {
        description: "Failed stage attempts that will be retried.",
        unit: "{attempt}",
        valueType: ValueType.INT,
      }),
      stageFailures: meter.createCounter(METRIC.stageFailures, {
        description: "Stage attempts that failed for good (no retry left, or not retryable).",
        unit: "{attempt}",
        valueType: ValueType.INT,
      }),
      runEnded: meter.createCounter(METRIC.runEnded, {
        description: "Runs that reached a final status, by status.",
        unit: "{run}",
        valueType: ValueType.INT,
      }),
      runsInFlight: meter.createUpDownCounter(METRIC.runsInFlight, {
        description:
          "Runs started (claimed) minus runs ended, as seen by this process; sum it across the fleet.",
        unit: "{run}",
        valueType: ValueType.INT,
      }),
      outboxPublishDelay: meter.createHistogram(METRIC.outboxPublishDelay, {
        description:
          "How late events reach the event sink: from the commit that wrote an event to the flush that published it.",
        unit: "s",
        valueType: ValueType.DOUBLE,
      }),
    };
    return this.instruments;
  }
}
