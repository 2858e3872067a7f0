import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { context, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createPipeline, NotFoundError, type DockerRequest, type Pipeline } from '@dockline/core';
import { describeWithEngine, unixSocketTransport } from '@dockline/tool-testkit';
import { retry } from '../retry/index.js';
import { timeout } from '../timeout/index.js';
import { versionNegotiation } from '../version-negotiation/index.js';
import { tracing } from './index.js';

class TestMetricReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const inspect = (id = 'abc123def', extra: Partial<DockerRequest> = {}): DockerRequest => ({
  operation: 'ContainerInspect',
  method: 'GET',
  path: `/containers/${id}/json`,
  route: '/containers/{id}/json',
  response: 'json',
  idempotent: true,
  longRunning: false,
  ...extra,
});

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let reader: TestMetricReader;
let meterProvider: MeterProvider;

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

const spans = () => exporter.getFinishedSpans();
const named = (name: string) => spans().filter((s) => s.name === name);
const one = (name: string): ReadableSpan => {
  const found = named(name);
  expect(found, `spans named ${name}: ${spans().map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0]!;
};
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

/** Wait for 'close' listeners that run on the next ticks. */
const settle = () => new Promise((r) => setTimeout(r, 20));

describeWithEngine('tracing (real dockerd)', (engine) => {
  let p: Pipeline;
  beforeEach(() => {
    const transport = unixSocketTransport(engine.socketPath);
    const t = tracing({ tracerProvider, meterProvider, serverAddress: transport.host, networkTransport: transport.networkTransport });
    p = createPipeline({ transport, middleware: [t, timeout(), retry(), versionNegotiation(), t.attempt] });
  });
  afterEach(async () => {
    await p.close();
  });

  it('reports docker.api.version 1.41 and the real status codes', async () => {
    await p.send({ operation: 'SystemVersion', method: 'GET', path: '/version', route: '/version', response: 'json', idempotent: true, longRunning: false });
    await expect(p.send(inspect('dockline-no-such-container'))).rejects.toBeInstanceOf(NotFoundError);
    const version = one('GET /version');
    expect(version.attributes).toMatchObject({ 'docker.api.version': '1.41', 'http.response.status_code': 200, 'server.address': 'localhost', 'network.transport': 'unix' });
    expect(version.kind).toBe(SpanKind.CLIENT);
    const missing = one('GET /containers/{id}/json');
    expect(missing.attributes).toMatchObject({ 'docker.api.version': '1.41', 'http.response.status_code': 404, 'error.type': '404' });
    expect(missing.status.code).toBe(SpanStatusCode.ERROR);
    // Folded: one span per call, plus the version ping of the first call as its child.
    expect(parentOf(one('HEAD /_ping'))).toBe(version.spanContext().spanId);
    expect(spans()).toHaveLength(3);
  });

  it('ends a hijacked call’s spans when its socket closes', async () => {
    const send = (operation: string, method: 'GET' | 'POST' | 'DELETE', path: string, route: string, extra: Partial<DockerRequest> = {}) =>
      p.send({ operation, method, path, route, response: 'json', idempotent: method !== 'POST', longRunning: false, ...extra });
    const created = await send('ContainerCreate', 'POST', '/containers/create', '/containers/create', {
      body: { Image: engine.image, Cmd: ['sleep', '60'], Labels: { 'dockline.test': 'middleware-tracing' }, HostConfig: { NetworkMode: 'none' } },
    });
    const id = (created.body as { Id: string }).Id;
    try {
      await send('ContainerStart', 'POST', `/containers/${id}/start`, '/containers/{id}/start', { response: 'empty' });
      const exec = await send('ContainerExec', 'POST', `/containers/${id}/exec`, '/containers/{id}/exec', {
        body: { Cmd: ['cat'], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false },
      });
      const execId = (exec.body as { Id: string }).Id;
      const res = await send('ExecStart', 'POST', `/exec/${execId}/start`, '/exec/{id}/start', { response: 'hijack', longRunning: true, body: { Detach: false, Tty: false } });
      await settle();
      expect(named('POST /exec/{id}/start')).toHaveLength(0);
      const socket = res.socket!;
      const drained = (async () => {
        for await (const _ of socket) void _;
      })();
      socket.end('hello\n'); // cat exits on EOF, the daemon closes the stream
      await drained;
      socket.destroy();
      await settle();
      expect(one('POST /exec/{id}/start').status.code).toBe(SpanStatusCode.UNSET);
      expect(one('POST /exec/{id}/start').attributes).toMatchObject({ 'http.response.status_code': res.statusCode, 'docker.api.version': '1.41' });
    } finally {
      await send('ContainerDelete', 'DELETE', `/containers/${id}`, '/containers/{id}', { query: { force: true }, response: 'empty' }).catch(() => undefined);
    }
  });
});
