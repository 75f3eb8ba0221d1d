/**
 * An OpenTelemetry SDK for the telemetry tests: spans to an in-memory exporter, metrics to an
 * in-memory metric exporter, AsyncLocalStorage context — registered globally, as an app does,
 * and taken down after each test.
 */
import { context, metrics, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

/** A registered SDK and what it recorded. */
export interface TestSdk {
  spans(): ReadableSpan[];
  /** Spans whose name starts with `prefix`. */
  named(prefix: string): ReadableSpan[];
  /** Collects the metrics now; the kernel's, by name. */
  metrics(): Promise<Map<string, MetricData>>;
  shutdown(): Promise<void>;
}

/** Registers the SDK globally (tracer, meter, context manager). */
export function installSdk(): TestSdk {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spanExporter)],
  });
  trace.setGlobalTracerProvider(tracerProvider);
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    spans: () => spanExporter.getFinishedSpans(),
    named: (prefix) => spanExporter.getFinishedSpans().filter((s) => s.name.startsWith(prefix)),
    async metrics() {
      metricExporter.reset();
      await reader.forceFlush();
      const byName = new Map<string, MetricData>();
      for (const resource of metricExporter.getMetrics())
        for (const scope of resource.scopeMetrics)
          if (scope.scope.name === "@ratchet/kernel")
            for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      return byName;
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      removeSdk();
      contextManager.disable();
    },
  };
}

/** Unregisters every global the SDK set. */
export function removeSdk(): void {
  trace.disable();
  metrics.disable();
  context.disable();
}

/** The data points of a metric, `[]` when it has none. */
export function points<T = number>(metric: MetricData | undefined): DataPoint<T>[] {
  return (metric?.dataPoints ?? []) as DataPoint<T>[];
}

/** A histogram's data points' counts, keyed by an attribute's value. */
export function histogramCounts(
  metric: MetricData | undefined,
  attribute: string,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const point of points<Histogram>(metric)) {
    const key = String(point.attributes[attribute]);
    counts[key] = (counts[key] ?? 0) + point.value.count;
  }
  return counts;
}
