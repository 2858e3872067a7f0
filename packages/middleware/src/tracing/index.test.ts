import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { context, createContextKey, diag, DiagLogLevel, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type DiagLogger } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AbortError, createPipeline, InvalidParameterError, NotFoundError, ServerError, TimeoutError, type Middleware, type Pipeline } from '@dockline/core';
import { startFakeDaemon, type FakeDaemon } from '@dockline/tool-testkit';
import { retry } from '../retry/index.js';
import { timeout } from '../timeout/index.js';
import { versionNegotiation } from '../version-negotiation/index.js';
import { tracing, type TracingOptions, type TracingRequestInfo, type TracingResponseInfo } from './index.js';
import { inspect, exporter, tracerProvider, reader, meterProvider, spans, named, one, parentOf, traceparentOf, durationPoints, settle } from '../../test/tracing-fixture.js';

describe('tracing (fake daemon)', () => {
  let fake: FakeDaemon;
  const pipelines: Pipeline[] = [];
  const options = (extra: TracingOptions = {}): TracingOptions => ({
    tracerProvider,
    meterProvider,
    serverAddress: 'localhost',
    networkTransport: 'unix',
    ...extra,
  });
  /** The recommended chain: [t, timeout, retry, versionNegotiation, t.attempt]. */
  const full = (extra: TracingOptions = {}, middlewareOptions: { timeoutMs?: number } = {}) => {
    const t = tracing(options(extra));
    return pipeline([t, timeout({ defaultMs: middlewareOptions.timeoutMs ?? 10_000 }), retry({ baseMs: 1 }), versionNegotiation(), t.attempt]);
  };
  const pipeline = (middleware: Middleware[]) => {
    const p = createPipeline({ transport: fake.transport(), middleware });
    pipelines.push(p);
    return p;
  };
  beforeEach(async () => {
    fake = await startFakeDaemon();
  });
  afterEach(async () => {
    await Promise.all(pipelines.splice(0).map((p) => p.close()));
    await fake.close();
  });

  const CALL = 'GET /containers/{id}/json';
  const byStart = (xs: ReadableSpan[]) => [...xs].sort((x, y) => x.startTime[0] - y.startTime[0] || x.startTime[1] - y.startTime[1]);
  const endsBefore = (x: ReadableSpan, y: ReadableSpan) => x.endTime[0] < y.startTime[0] || (x.endTime[0] === y.startTime[0] && x.endTime[1] <= y.startTime[1]);

  it('folded (default): one CLIENT span per call with every HTTP attribute; the first call’s version ping is its child', async () => {
    const p = full();
    await p.send(inspect());
    const call = one(CALL);
    const ping = one('HEAD /_ping');
    expect(spans()).toHaveLength(2);
    expect(call.kind).toBe(SpanKind.CLIENT);
    // Exactly the allow-listed attributes, with their values.
    expect(call.attributes).toEqual({
      'http.request.method': 'GET',
      'url.template': '/containers/{id}/json',
      'server.address': 'localhost',
      'network.transport': 'unix',
      'docker.operation': 'ContainerInspect',
      'docker.api.version': '1.41',
      'http.response.status_code': 200,
    });
    expect(call.status.code).toBe(SpanStatusCode.UNSET);
    expect(ping.kind).toBe(SpanKind.CLIENT);
    expect(ping.attributes).toMatchObject({ 'http.request.method': 'HEAD', 'url.template': '/_ping', 'docker.operation': 'SystemPing', 'http.response.status_code': 200 });
    expect(parentOf(ping)).toBe(call.spanContext().spanId);
    expect(ping.spanContext().traceId).toBe(call.spanContext().traceId);
    // Later calls send one request each: one span each, nothing else.
    exporter.reset();
    await p.send(inspect());
    await p.send(inspect());
    expect(spans().map((s) => s.name)).toEqual([CALL, CALL]);
    // Low cardinality: no id in any span name.
    expect(spans().some((s) => s.name.includes('abc123'))).toBe(false);
  });

  it('folded: the call span is a child of the caller’s active span', async () => {
    const p = full();
    const tracer = tracerProvider.getTracer('test');
    await tracer.startActiveSpan('caller', async (span) => {
      await p.send(inspect());
      span.end();
    });
    expect(parentOf(one(CALL))).toBe(one('caller').spanContext().spanId);
  });

  it('the context a propagator gets holds the call span and every value of the caller’s context', async () => {
    const key = createContextKey('test.tenant');
    const seen: Array<{ span: string | undefined; tenant: unknown; copied: string | undefined; other: unknown }> = [];
    propagation.disable();
    propagation.setGlobalPropagator({
      inject(ctx, carrier, setter) {
        const copy = ctx.setValue(createContextKey('test.other'), 1);
        seen.push({
          span: trace.getSpan(ctx)?.spanContext().spanId,
          tenant: ctx.getValue(key),
          copied: trace.getSpan(copy)?.spanContext().spanId,
          other: copy.getValue(createContextKey('test.other')),
        });
        new W3CTraceContextPropagator().inject(ctx, carrier, setter);
      },
      extract: (ctx) => ctx,
      fields: () => ['traceparent'],
    });
    try {
      await context.with(context.active().setValue(key, 'acme'), () => full().send(inspect()));
    } finally {
      propagation.disable();
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    }
    const call = one(CALL).spanContext().spanId;
    const ping = one('HEAD /_ping').spanContext().spanId;
    expect(seen).toEqual([
      { span: call, tenant: 'acme', copied: call, other: 1 },
      { span: ping, tenant: 'acme', copied: ping, other: 1 },
    ]);
    expect(fake.requestsTo('/containers/abc123def/json')[0]!.headers.traceparent).toBe(traceparentOf(one(CALL)));
  });

  it('keeps the hierarchy without a context manager: the parent travels on the request', async () => {
    context.disable();
    try {
      await full().send(inspect());
      await full({ spans: 'two-level' }).send(inspect());
    } finally {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    }
    const [foldedPing, twoLevelPing] = byStart(named('HEAD /_ping'));
    const folded = named(CALL).find((s) => parentOf(s) === undefined)!;
    expect(parentOf(foldedPing!)).toBe(folded.spanContext().spanId);
    const op = one('ContainerInspect');
    const attempt = named(CALL).find((s) => s !== folded)!;
    expect(parentOf(attempt)).toBe(op.spanContext().spanId);
    expect(parentOf(twoLevelPing!)).toBe(op.spanContext().spanId);
  });

  it('injects traceparent: the call span’s for its own request, the child’s for the ping', async () => {
    await full().send(inspect());
    const [pingReq, inspectReq] = [fake.requestsTo('/_ping')[0]!, fake.requestsTo('/containers/abc123def/json')[0]!];
    expect(inspectReq.headers.traceparent).toBe(traceparentOf(one(CALL)));
    expect(pingReq.headers.traceparent).toBe(traceparentOf(one('HEAD /_ping')));
  });

  it('keeps the caller’s headers and replaces a traceparent of theirs (any case) with the call’s', async () => {
    await full().send(inspect('abc123def', { headers: { 'X-Custom': 'kept', TraceParent: '00-bogus' } }));
    const sent = fake.requestsTo('/containers/abc123def/json')[0]!.headers;
    expect(sent['x-custom']).toBe('kept');
    expect(sent.traceparent).toBe(traceparentOf(one(CALL)));
  });

  it('span attributes follow each request (cached objects are per operation, version and resend)', async () => {
    const t = tracing(options({ spans: 'two-level' }));
    for (const version of ['1.40', '1.41', '1.40']) await pipeline([t, versionNegotiation({ version }), t.attempt]).send(inspect());
    // Children are made with the request's attributes from the start (the cached path).
    const versions = byStart(named(CALL)).map((s) => s.attributes['docker.api.version']);
    expect(versions).toEqual(['1.40', '1.41', '1.40']);
  });

  it('folded: a resent call gets a child span per attempt, the first one after the fact with its real times', async () => {
    const p = full();
    await p.send(inspect()); // the version ping out of the way
    exporter.reset();
    fake.requests.length = 0;
    fake.script = (r) => (r.path.endsWith('/json') && fake.requestsTo(/json$/).length === 1 ? { status: 503, body: { message: 'busy' } } : undefined);
    await p.send(inspect());
    expect(spans()).toHaveLength(3);
    const call = named(CALL).find((s) => parentOf(s) === undefined)!;
    const [first, second] = byStart(named(CALL).filter((s) => s !== call)) as [ReadableSpan, ReadableSpan];
    expect(call.attributes).toMatchObject({ 'http.response.status_code': 200, 'http.request.resend_count': 1, 'docker.api.version': '1.41' });
    expect(call.status.code).toBe(SpanStatusCode.UNSET);
    for (const child of [first, second]) {
      expect(child.kind).toBe(SpanKind.CLIENT);
      expect(parentOf(child)).toBe(call.spanContext().spanId);
    }
    expect(first.attributes['http.request.resend_count']).toBeUndefined();
    expect(first.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503', 'docker.api.version': '1.41' });
    expect(first.status.code).toBe(SpanStatusCode.ERROR);
    expect(first.events.map((e) => e.name)).toEqual(['exception']);
    expect(second.attributes['http.request.resend_count']).toBe(1);
    expect(second.attributes['http.response.status_code']).toBe(200);
    expect(second.status.code).toBe(SpanStatusCode.UNSET);
    // The first attempt's span covers its own time: it ended before the resend started, inside the call.
    expect(endsBefore(first, second)).toBe(true);
    expect(endsBefore(call, first)).toBe(false);
    expect(first.startTime[0] > call.startTime[0] || (first.startTime[0] === call.startTime[0] && first.startTime[1] >= call.startTime[1])).toBe(true);
    // The first attempt went out with the call span's context (its own span did not exist yet), the resend with its own.
    const sent = fake.requestsTo('/containers/abc123def/json').map((r) => r.headers.traceparent);
    expect(sent).toEqual([traceparentOf(call), traceparentOf(second)]);
  });

  it('two-level: one INTERNAL span per call named by operation, and a CLIENT child per HTTP request', async () => {
    await full({ spans: 'two-level' }).send(inspect());
    const op = one('ContainerInspect');
    const attempt = one(CALL);
    const ping = one('HEAD /_ping');
    expect(spans()).toHaveLength(3);
    expect(op.kind).toBe(SpanKind.INTERNAL);
    expect(op.attributes).toEqual({ 'docker.operation': 'ContainerInspect', 'docker.api.version': '1.41' });
    expect(attempt.kind).toBe(SpanKind.CLIENT);
    expect(attempt.attributes).toEqual({
      'http.request.method': 'GET',
      'url.template': '/containers/{id}/json',
      'server.address': 'localhost',
      'network.transport': 'unix',
      'docker.operation': 'ContainerInspect',
      'docker.api.version': '1.41',
      'http.response.status_code': 200,
    });
    for (const child of [attempt, ping]) {
      expect(parentOf(child)).toBe(op.spanContext().spanId);
      expect(child.spanContext().traceId).toBe(op.spanContext().traceId);
    }
    expect(fake.requestsTo('/containers/abc123def/json')[0]!.headers.traceparent).toBe(traceparentOf(attempt));
  });

  it('two-level: a retried call has one CLIENT span per attempt, the resend with http.request.resend_count', async () => {
    fake.script = (r) => (r.path.endsWith('/json') && fake.requestsTo(/json$/).length === 1 ? { status: 503, body: { message: 'busy' } } : undefined);
    await full({ spans: 'two-level' }).send(inspect());
    const attempts = byStart(named(CALL));
    expect(attempts).toHaveLength(2);
    const [first, second] = attempts as [ReadableSpan, ReadableSpan];
    expect(first.attributes['http.request.resend_count']).toBeUndefined();
    expect(first.attributes['http.response.status_code']).toBe(503);
    expect(first.attributes['error.type']).toBe('503');
    expect(first.status.code).toBe(SpanStatusCode.ERROR);
    expect(second.attributes['http.request.resend_count']).toBe(1);
    expect(second.attributes['http.response.status_code']).toBe(200);
    expect(second.status.code).toBe(SpanStatusCode.UNSET);
    const op = one('ContainerInspect');
    expect(op.status.code).toBe(SpanStatusCode.UNSET);
    expect(parentOf(first)).toBe(op.spanContext().spanId);
    expect(parentOf(second)).toBe(op.spanContext().spanId);
    // Each attempt carried its own span's context.
    const sent = fake.requestsTo('/containers/abc123def/json').map((r) => r.headers.traceparent);
    expect(sent).toEqual([traceparentOf(first), traceparentOf(second)]);
  });

  it('marks a 404 as an error with an exception event: on the call span (folded), on the operation and the attempt (two-level)', async () => {
    fake.script = (r) => (r.path.endsWith('/json') ? { status: 404, body: { message: 'No such container: abc123def' } } : undefined);
    const check = (s: ReadableSpan) => {
      expect(s.status.code).toBe(SpanStatusCode.ERROR);
      expect(s.attributes['error.type']).toBe('404');
      const exception = s.events.find((e) => e.name === 'exception');
      expect(exception?.attributes).toMatchObject({ 'exception.type': 'NotFoundError', 'exception.message': expect.stringContaining('No such container') });
    };
    await expect(full().send(inspect())).rejects.toBeInstanceOf(NotFoundError);
    check(one(CALL));
    expect(one(CALL).attributes['http.response.status_code']).toBe(404);
    exporter.reset();
    await expect(full({ spans: 'two-level' }).send(inspect())).rejects.toBeInstanceOf(NotFoundError);
    check(one('ContainerInspect'));
    check(one(CALL));
    expect(one(CALL).attributes['http.response.status_code']).toBe(404);
  });

  it('a deadline is an error (TimeoutError); a caller’s abort is not (no error status, no exception, no metric point)', async () => {
    fake.script = (r) => (r.path.endsWith('/json') ? { hang: true } : undefined);
    await expect(full({}, { timeoutMs: 150 }).send(inspect())).rejects.toBeInstanceOf(TimeoutError);
    await settle();
    const timedOut = one(CALL);
    expect(timedOut.status.code).toBe(SpanStatusCode.ERROR);
    expect(timedOut.attributes['error.type']).toBe('TimeoutError');
    exporter.reset();

    for (const spansOption of ['folded', 'two-level'] as const) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      await expect(full({ spans: spansOption }).send(inspect('abc123def', { signal: controller.signal }))).rejects.toBeInstanceOf(AbortError);
    }
    await settle();
    expect(named(CALL)).toHaveLength(2);
    for (const s of [...named(CALL), one('ContainerInspect')]) {
      expect(s.status.code).toBe(SpanStatusCode.UNSET);
      expect(s.events).toHaveLength(0);
      expect(s.attributes['error.type']).toBeUndefined();
    }
    // Only the timed-out request was measured; the cancelled ones left no data point.
    const points = (await durationPoints()).filter((p) => p.attributes['url.template'] === '/containers/{id}/json');
    expect(points).toEqual([{ attributes: expect.objectContaining({ 'error.type': 'TimeoutError' }), count: 1 }]);
  });

  it('ends a streaming call’s spans when its stream ends, not when the response resolves (both layouts)', async () => {
    fake.script = (r) => (r.path.endsWith('/logs') ? { chunks: ['a', 'b', 'c'], chunkDelayMs: 60 } : undefined);
    const logs = { ...inspect(), operation: 'ContainerLogs', path: '/containers/abc/logs', route: '/containers/{id}/logs', response: 'stream', longRunning: true } as const;
    for (const spansOption of ['folded', 'two-level'] as const) {
      exporter.reset();
      const res = await full({ spans: spansOption }).send(logs);
      await settle();
      expect(named('ContainerLogs')).toHaveLength(0);
      expect(named('GET /containers/{id}/logs')).toHaveLength(0);
      let text = '';
      for await (const chunk of res.stream!) text += String(chunk);
      expect(text).toBe('abc');
      await settle();
      const call = spansOption === 'folded' ? one('GET /containers/{id}/logs') : one('ContainerLogs');
      const request = one('GET /containers/{id}/logs');
      expect(request.attributes['http.response.status_code']).toBe(200);
      expect(call.status.code).toBe(SpanStatusCode.UNSET);
      // The spans lasted for the whole body (3 chunks, 60 ms apart), not just the head.
      for (const s of [call, request]) expect(s.duration[0] * 1000 + s.duration[1] / 1e6).toBeGreaterThanOrEqual(150);
    }
  });

  it('a stream broken mid-body ends its spans with an error', async () => {
    fake.script = (r) => (r.path.endsWith('/logs') ? { chunks: ['a'], after: 'reset' } : undefined);
    const logs = { ...inspect(), operation: 'ContainerLogs', path: '/containers/abc/logs', route: '/containers/{id}/logs', response: 'stream', longRunning: true } as const;
    for (const spansOption of ['folded', 'two-level'] as const) {
      exporter.reset();
      const res = await full({ spans: spansOption }).send(logs);
      await expect((async () => { for await (const _ of res.stream!) void _; })()).rejects.toThrow();
      await settle();
      const call = spansOption === 'folded' ? one('GET /containers/{id}/logs') : one('ContainerLogs');
      expect(call.status.code).toBe(SpanStatusCode.ERROR);
      expect(one('GET /containers/{id}/logs').attributes['error.type']).toBe('ConnectionError');
    }
  });

  it('records http.client.request.duration per attempt with the stable attributes and docker.operation', async () => {
    fake.script = (r) => (r.path.endsWith('/json') && fake.requestsTo(/json$/).length === 1 ? { status: 503, body: { message: 'busy' } } : undefined);
    await full().send(inspect());
    const points = await durationPoints();
    const base = { 'http.request.method': 'GET', 'url.template': '/containers/{id}/json', 'server.address': 'localhost', 'docker.operation': 'ContainerInspect' };
    expect(points).toContainEqual({ attributes: { ...base, 'http.response.status_code': 200 }, count: 1 });
    expect(points).toContainEqual({ attributes: { ...base, 'http.response.status_code': 503, 'error.type': '503' }, count: 1 });
    expect(points).toContainEqual({ attributes: { 'http.request.method': 'HEAD', 'url.template': '/_ping', 'server.address': 'localhost', 'http.response.status_code': 200, 'docker.operation': 'SystemPing' }, count: 1 });
  });

  it('folded: one point for the call’s single request, with or without a responseHook; a stream’s lasts until it closes', async () => {
    const base = { 'http.request.method': 'GET', 'url.template': '/containers/{id}/json', 'server.address': 'localhost', 'docker.operation': 'ContainerInspect' };
    const hooked: number[] = [];
    for (const extra of [{}, { responseHook: (_s: unknown, r: TracingResponseInfo) => void hooked.push(r.statusCode ?? 0) }]) {
      const p = full(extra);
      await p.send(inspect());
      await p.send(inspect());
    }
    expect(hooked).toEqual([200, 200, 200]); // the ping, then two calls
    const points = await durationPoints();
    expect(points.filter((x) => x.attributes['url.template'] === '/containers/{id}/json')).toEqual([
      { attributes: { ...base, 'http.response.status_code': 200 }, count: 4 },
    ]);

    fake.script = (r) => (r.path.endsWith('/logs') ? { chunks: ['a', 'b'], chunkDelayMs: 60 } : undefined);
    const logs = { ...inspect(), operation: 'ContainerLogs', path: '/containers/abc/logs', route: '/containers/{id}/logs', response: 'stream', longRunning: true } as const;
    const res = await full().send(logs);
    const isLogs = (x: { attributes: Record<string, unknown> }) => x.attributes['docker.operation'] === 'ContainerLogs';
    expect((await durationPoints()).filter(isLogs)).toEqual([]);
    for await (const _ of res.stream!) void _;
    await settle();
    expect((await durationPoints()).filter(isLogs).map((x) => x.count)).toEqual([1]);
  });

  it('keeps the fields and symbols a caller added to the request, and leaves the request it was given alone', async () => {
    const mine = Symbol('mine');
    const seen: Array<Record<string | symbol, unknown>> = [];
    const given: Array<Record<string | symbol, unknown>> = [];
    const above: Middleware = (req, next) => {
      const out = { ...req, custom: 'kept', [mine]: 'also kept' };
      given.push(out);
      return next(out);
    };
    const below: Middleware = (req, next) => {
      seen.push(req as unknown as Record<string | symbol, unknown>);
      return next(req);
    };
    const t = tracing(options());
    await pipeline([above, t, timeout({ defaultMs: 10_000 }), retry({ baseMs: 1 }), versionNegotiation(), t.attempt, below]).send(inspect());
    const own = seen.find((r) => r.route === '/containers/{id}/json')!;
    expect(own.custom).toBe('kept');
    expect(own[mine]).toBe('also kept');
    expect((own.headers as Record<string, string>).traceparent).toBe(traceparentOf(one(CALL)));
    expect(given[0]!.headers).toBeUndefined();
    expect(Object.getOwnPropertySymbols(given[0]!)).toEqual([mine]);
  });

  it('tracing() alone (no .attempt installed) still makes the CLIENT span, injects its context and records the metric', async () => {
    await pipeline([tracing(options())]).send(inspect());
    const call = one(CALL);
    expect(spans()).toHaveLength(1);
    expect(call.attributes['http.response.status_code']).toBe(200);
    expect(fake.requests[0]!.headers.traceparent).toBe(traceparentOf(call));
    expect((await durationPoints()).length).toBe(1);
  });

  it('.attempt is plain data: reading it changes nothing, and it is the same middleware each time', async () => {
    const t = tracing(options());
    const descriptor = Object.getOwnPropertyDescriptor(t, 'attempt');
    expect(descriptor?.get).toBeUndefined();
    expect(typeof descriptor?.value).toBe('function');
    expect(t.attempt).toBe(t.attempt);
    // Read but not installed: calls are traced exactly as without reading it.
    void t.attempt;
    const p = pipeline([t]);
    await p.send(inspect());
    await p.send(inspect());
    expect(named(CALL)).toHaveLength(2);
    expect(fake.requests.map((r) => r.headers.traceparent)).toEqual(named(CALL).map(traceparentOf));
  });

  it('two-level without .attempt installed: warns once that there are no CLIENT spans', async () => {
    const warned: string[] = [];
    diag.setLogger({ error: () => {}, warn: (m) => warned.push(m), info: () => {}, debug: () => {}, verbose: () => {} }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    try {
      const p = pipeline([tracing(options({ spans: 'two-level' }))]);
      await p.send(inspect());
      await p.send(inspect());
    } finally {
      diag.disable();
    }
    expect(named('ContainerInspect')).toHaveLength(2);
    expect(named(CALL)).toHaveLength(0);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('.attempt is not in the middleware chain');
  });

  it('rejects an unknown spans option with InvalidParameterError', () => {
    expect(() => tracing({ spans: 'flat' as never })).toThrow(InvalidParameterError);
    expect(() => tracing({ spans: 'flat' as never })).toThrow(/spans must be 'folded' or 'two-level', got "flat"/);
  });

  it('calls the hooks with request and response info, and a throwing hook does not break the request', async () => {
    const seen: Array<TracingRequestInfo | TracingResponseInfo> = [];
    const p = full({
      requestHook: (span, req) => {
        seen.push(req);
        span.setAttribute('hook.request', req.operation);
        throw new Error('request hook broke');
      },
      responseHook: (span, res) => {
        seen.push(res);
        span.setAttribute('hook.status', res.statusCode ?? -1);
        throw new Error('response hook broke');
      },
    });
    const res = await p.send(inspect());
    expect(res.statusCode).toBe(200);
    // Folded: the call span stands for the request, so the hooks got it.
    const attempt = one(CALL);
    expect(attempt.attributes['hook.request']).toBe('ContainerInspect');
    expect(attempt.attributes['hook.status']).toBe(200);
    expect(seen).toContainEqual({ operation: 'ContainerInspect', method: 'GET', route: '/containers/{id}/json', path: '/v1.41/containers/abc123def/json', apiVersion: '1.41', attempt: 0, response: 'json' });
    expect(seen.some((s) => 'headers' in s)).toBe(false);
  });

  it('never lets a secret into a span, an event, a metric, a log line or a recorded error message', async () => {
    const SECRET = 'hunter2-s3cr3t';
    const auth = Buffer.from(JSON.stringify({ username: 'me', password: SECRET, serveraddress: 'registry.example' })).toString('base64url');
    // The daemon echoes the registry URL with its credentials, as real registry errors do.
    fake.script = (r) =>
      r.path.endsWith('/images/create')
        ? { status: 500, body: { message: `Get "https://me:${SECRET}@registry.example/v2/?token=${SECRET}": unauthorized` } }
        : undefined;
    const logged: string[] = [];
    const capture: DiagLogger = {
      error: (...a) => logged.push(a.map(String).join(' ')),
      warn: (...a) => logged.push(a.map(String).join(' ')),
      info: (...a) => logged.push(a.map(String).join(' ')),
      debug: (...a) => logged.push(a.map(String).join(' ')),
      verbose: (...a) => logged.push(a.map(String).join(' ')),
    };
    diag.setLogger(capture, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
    try {
      const p = full({
        // A careless hook copies everything it is given onto the span, and throws with a secret.
        requestHook: (span, req) => {
          span.setAttribute('hook.request', JSON.stringify(req));
          throw new Error(`hook failed for https://me:${SECRET}@registry.example`);
        },
        responseHook: (span, res) => span.setAttribute('hook.response', JSON.stringify({ request: res.request, statusCode: res.statusCode })),
      });
      const err = await p
        .send({
          operation: 'ImageCreate',
          method: 'POST',
          path: '/images/create',
          route: '/images/create',
          query: { fromImage: `https://me:${SECRET}@registry.example/busybox`, tag: 'latest' },
          headers: { 'X-Registry-Auth': auth },
          response: 'stream',
          idempotent: false,
          longRunning: true,
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServerError);
      // The request did carry the credentials to the daemon: the test would prove nothing otherwise.
      expect(fake.requestsTo('/images/create')[0]!.headers['x-registry-auth']).toBe(auth);
    } finally {
      diag.disable();
    }
    const { resourceMetrics } = await reader.collect();
    const telemetry = JSON.stringify({
      spans: spans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status, links: s.links })),
      metrics: resourceMetrics satisfies ResourceMetrics,
      logged,
    });
    expect(spans().length).toBeGreaterThanOrEqual(2);
    expect(telemetry).toContain('REDACTED'); // the recorded error message and the hook's log line were scrubbed, not dropped
    expect(telemetry).toContain('unauthorized');
    expect(telemetry).not.toContain(SECRET);
    expect(telemetry).not.toContain(auth);
    expect(logged.length).toBeGreaterThan(0);
  });

  it('with no tracer provider, a registered propagator still forwards the caller’s remote context', async () => {
    const t = tracing(); // global tracer provider: none registered in this file; the W3C propagator is
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    await context.with(remote, () => pipeline([t, t.attempt]).send(inspect()));
    expect(fake.requests[0]!.headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('with no tracer provider and no propagator, a meter provider alone still gets the duration metric', async () => {
    propagation.disable();
    try {
      const t = tracing({ meterProvider });
      await pipeline([t, t.attempt]).send(inspect());
      expect(await durationPoints()).toEqual([expect.objectContaining({ count: 1 })]);
      expect(fake.requests[0]!.headers.traceparent).toBeUndefined();
    } finally {
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    }
  });

  it('skips span work while nothing observes, and makes spans once an SDK is registered globally', async () => {
    propagation.disable();
    const t = tracing(); // the global provider, looked up on each call
    const p = pipeline([t, t.attempt]);
    try {
      await p.send(inspect());
      expect(spans()).toHaveLength(0);
      trace.setGlobalTracerProvider(tracerProvider);
      await p.send(inspect());
      expect(named(CALL)).toHaveLength(1);
    } finally {
      trace.disable();
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    }
  });

  it('with no SDK registered: no spans, no traceparent, and the call works', async () => {
    const t = tracing(); // global providers: none registered in this file
    const res = await pipeline([t, versionNegotiation(), t.attempt]).send(inspect());
    expect(res.statusCode).toBe(200);
    expect(spans()).toHaveLength(0);
    expect(fake.requests.every((r) => r.headers.traceparent === undefined)).toBe(true);
  });
});

