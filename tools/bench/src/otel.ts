// An OpenTelemetry SDK as an application would register it (tracer provider with a span
// processor and exporter, meter provider with a periodic reader, W3C propagator, async
// context), with exporters that drop everything: what the SDK costs a dockline call,
// without the cost of shipping spans anywhere.
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface OtelSdkOptions {
  /** Register a MeterProvider too (default true): the http.client.request.duration histogram is recorded. */
  meter?: boolean;
}

export interface OtelSdk {
  /** Registers the SDK globally (dockline's tracing middleware looks providers up lazily). */
  enable(): void;
  /** Unregisters it, so the other subjects run with the no-op API. */
  disable(): Promise<void>;
  /** Spans handed to the exporter so far (proves the SDK really recorded). */
  readonly spansExported: number;
  shutdown(): Promise<void>;
  readonly tracerProvider: BasicTracerProvider;
  /** Undefined when created with `meter: false`. */
  readonly meterProvider: MeterProvider | undefined;
}

export function createOtelSdk(options: OtelSdkOptions = {}): OtelSdk {
  let spans = 0;
  const spanExporter: SpanExporter = {
    export(batch: ReadableSpan[], done: (r: ExportResult) => void) {
      spans += batch.length;
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: async () => undefined,
  };
  const metricExporter: PushMetricExporter = {
    export(_m: ResourceMetrics, done: (r: ExportResult) => void) {
      done({ code: ExportResultCode.SUCCESS });
    },
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
    selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
  };
  // Batch processing is what production setups use (Simple exports span by span).
  const spanProcessor = new BatchSpanProcessor(spanExporter, { scheduledDelayMillis: 200 });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [spanProcessor] });
  const meterProvider =
    options.meter === false
      ? undefined
      : new MeterProvider({
          readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 10_000 })],
        });
  const contextManager = new AsyncLocalStorageContextManager();
  const propagator = new W3CTraceContextPropagator();
  return {
    enable() {
      context.setGlobalContextManager(contextManager.enable());
      propagation.setGlobalPropagator(propagator);
      trace.setGlobalTracerProvider(tracerProvider);
      if (meterProvider) metrics.setGlobalMeterProvider(meterProvider);
    },
    async disable() {
      // Exported spans are counted in the SDK's cost: flush while it is still registered.
      await spanProcessor.forceFlush();
      trace.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
    },
    get spansExported() {
      return spans;
    },
    tracerProvider,
    meterProvider,
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider?.shutdown();
    },
  };
}
