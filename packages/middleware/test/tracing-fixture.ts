// Shared by index.test.ts and index.integration.test.ts (a test helper: neither built nor published).
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { type DockerRequest } from '@dockline/core';

export class TestMetricReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export const inspect = (id = 'abc123def', extra: Partial<DockerRequest> = {}): DockerRequest => ({
  operation: 'ContainerInspect',
  method: 'GET',
  path: `/containers/${id}/json`,
  route: '/containers/{id}/json',
  response: 'json',
  idempotent: true,
  longRunning: false,
  ...extra,
});

export const exporter = new InMemorySpanExporter();
export const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
export let reader: TestMetricReader;
export let meterProvider: MeterProvider;

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(async () => {
  context.disable();
  propagation.disable();
  await tracerProvider.shutdown();
});
beforeEach(() => {
  exporter.reset();
  reader = new TestMetricReader();
  meterProvider = new MeterProvider({ readers: [reader] });
});
afterEach(async () => {
  await meterProvider.shutdown();
});

export const spans = () => exporter.getFinishedSpans();
export const named = (name: string) => spans().filter((s) => s.name === name);
export const one = (name: string): ReadableSpan => {
  const found = named(name);
  expect(found, `spans named ${name}: ${spans().map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0]!;
};
export const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
export const traceparentOf = (s: ReadableSpan) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`;

export async function durationPoints(): Promise<Array<{ attributes: Record<string, unknown>; count: number }>> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'http.client.request.duration');
  if (!metric) return [];
  expect(metric.descriptor.unit).toBe('s');
  return metric.dataPoints.map((p) => ({ attributes: p.attributes, count: (p.value as { count: number }).count }));
}

/** Wait for 'close' listeners that run on the next ticks. */
export const settle = () => new Promise((r) => setTimeout(r, 20));
