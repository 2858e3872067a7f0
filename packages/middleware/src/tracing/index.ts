import {
  context,
  createContextKey,
  createNoopMeter,
  INVALID_SPAN_CONTEXT,
  diag,
  metrics,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Exception,
  type Histogram,
  type MeterProvider,
  type Span,
  type SpanOptions,
  type TracerProvider,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_TRANSPORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ERROR_TYPE_VALUE_OTHER,
  METRIC_HTTP_CLIENT_REQUEST_DURATION,
} from '@opentelemetry/semantic-conventions';
import {
  AbortError,
  DockerError,
  InvalidParameterError,
  markSequential,
  type CompleteRequest,
  type DockerRequest,
  type DockerResponse,
  type Handler,
  type HttpMethod,
  type Middleware,
  type ResponseKind,
} from '@dockline/core';
import { whenBodyDone } from '../internal/body.js';
import { redactText } from '../internal/redact.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import { ATTR_DOCKER_API_VERSION, ATTR_DOCKER_OPERATION, ATTR_URL_TEMPLATE } from './semconv.js';

/** What hooks see of a request: no headers, query or body, so a hook cannot copy a secret by accident. */
export interface TracingRequestInfo {
  readonly operation: string;
  readonly method: HttpMethod;
  /** The route template, e.g. /containers/{id}/json. */
  readonly route: string;
  /** The filled path as sent (with ids and the version prefix). Mind the cardinality. */
  readonly path: string;
  readonly apiVersion: string | undefined;
  /** 0 for the first try, then 1, 2... (http.request.resend_count). */
  readonly attempt: number;
  readonly response: ResponseKind;
}

export interface TracingResponseInfo {
  readonly request: TracingRequestInfo;
  /** The HTTP status, also when the daemon answered with an error. Undefined when it never answered. */
  readonly statusCode: number | undefined;
  /** The error the attempt failed with; undefined on success. */
  readonly error: unknown;
}

/**
 * Runs when an HTTP request's span starts, before the request is sent, with the span that
 * stands for that request (the call span for a request folded into it). Errors it throws are
 * logged and ignored.
 */
export type TracingRequestHook = (span: Span, request: TracingRequestInfo) => void;
/** Runs when a request's response head arrived or the request failed. Errors it throws are logged and ignored. */
export type TracingResponseHook = (span: Span, response: TracingResponseInfo) => void;

/**
 * - `'folded'` (the default): one CLIENT span per API call, named `${method} ${route}`, with
 *   the HTTP attributes of its request. Child CLIENT spans appear only when a call sent more
 *   than one HTTP request: the version ping of a client's first call, and every attempt of
 *   a resent call (the first attempt then as a child too, with its real times).
 * - `'two-level'`: an INTERNAL span per call named by operation and a CLIENT child for every
 *   HTTP request, always (needs `.attempt` installed innermost).
 */
export type TracingSpans = 'folded' | 'two-level';

export interface TracingOptions {
  /** Default: the global tracer provider (looked up lazily, so registering the SDK later works). */
  tracerProvider?: TracerProvider;
  /** Default: the global meter provider, looked up on each request until one is registered. */
  meterProvider?: MeterProvider;
  /**
   * `server.address` on spans and the metric: the daemon's host. The middleware cannot see
   * the transport, so the client fills this from `transport.host` ('localhost' for a unix socket).
   */
  serverAddress?: string;
  /** `server.port`, for TCP transports. */
  serverPort?: number;
  /** `network.transport` on spans: 'unix', 'tcp', 'pipe'... (`transport.networkTransport`). */
  networkTransport?: string;
  /** Span layout, see {@link TracingSpans}. Default 'folded': one span per call in the common case. */
  spans?: TracingSpans;
  requestHook?: TracingRequestHook;
  responseHook?: TracingResponseHook;
}

export interface TracingMiddleware extends Middleware {
  /**
   * The per-request half, a plain middleware (reading this property changes nothing): it
   * sees every HTTP request actually sent (each retry and the version ping included),
   * records `http.client.request.duration` per request, and makes the child CLIENT spans.
   * Install it innermost: `[t, timeout(), retry(), versionNegotiation(), t.attempt]`.
   * Without it, each call still gets its span and one duration point per call.
   */
  readonly attempt: Middleware;
}

/** Private annotation carried on the request from the call span to the attempt middleware. */
const kCall = Symbol('dockline.tracing.call');

/** A folded request, kept until the call ends in case a resend needs its own span after the fact. */
interface FoldedRequest {
  readonly req: DockerRequest;
  /** Epoch ms (performance clock). */
  readonly start: number;
  readonly end: number;
  readonly statusCode: number | undefined;
  readonly error: unknown;
}

interface CallState {
  /** The request as the call middleware saw it (hooks and the metric without `.attempt`). */
  readonly req: DockerRequest;
  /** Folded mode: its cached name and attributes. */
  readonly kind: RequestKind | undefined;
  /** Epoch ms (performance clock). */
  readonly start: number;
  readonly span: Span;
  /** Context holding the call span: the parent of every child span. */
  readonly ctx: Context;
  readonly recording: boolean;
  readonly folded: boolean;
  /** The call's own request (a resend has the same operation, method and route; the ping does not). */
  readonly operation: string;
  readonly method: HttpMethod;
  readonly route: string;
  apiVersion: string | undefined;
  /** HTTP requests the attempt middleware saw (0: it is not installed). */
  requests: number;
  /** The highest `req.attempt` of the call's own request. */
  resends: number;
  /** Folded mode: the call's first own request went out without a span of its own. */
  foldedSent: boolean;
  /** Folded mode: that request, while it failed and a resend may still follow. */
  folded0: FoldedRequest | undefined;
  /** Folded mode: when that request was sent (epoch ms). */
  start0: number;
  /** Folded mode: finishCall records that request's duration (it did not fail, no hook waits for it). */
  metric0: boolean;
  /** Folded mode: the call's own requests have child spans (a resend happened). */
  expanded: boolean;
}

type AnnotatedRequest = DockerRequest & { [kCall]?: CallState };

/** Every class core throws; anything else is reported as `_OTHER`. */
const CORE_ERROR_NAMES = new Set([
  'DockerError',
  'InvalidParameterError',
  'UnauthorizedError',
  'ForbiddenError',
  'NotFoundError',
  'ConflictError',
  'ServerError',
  'NotImplementedError',
  'UnavailableError',
  'ConnectionError',
  'TimeoutError',
  'AbortError',
  'ProtocolError',
]);

/** Semantic-convention buckets for http.client.request.duration, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

const NOOP_METER = createNoopMeter();
/** The API's no-op provider: what a ProxyTracerProvider delegates to while no SDK is registered. */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

/** Cached request kinds (span name and attributes) per middleware. */
const CACHE_LIMIT = 2000;
/** Cached metric attribute sets (status, error type) per request kind. */
const METRIC_CACHE_LIMIT = 64;

/** What is cached per kind of request: one operation, method, route, API version and resend count. */
interface RequestKind {
  readonly method: HttpMethod;
  readonly route: string;
  readonly apiVersion: string | undefined;
  readonly resend: number;
  /** The CLIENT span's name, `${method} ${route}`. */
  readonly name: string;
  readonly attributes: Attributes;
  /** startSpan's options for it (the SDK reads them, never keeps or changes them). */
  readonly options: SpanOptions;
  /** Metric attributes by status code (or status and error type). */
  readonly metric: Map<number | string, Attributes>;
}

/**
 * The API's context key for the active span. Context keys are `Symbol.for(description)` so
 * that every installed copy of @opentelemetry/api shares them (see its createContextKey).
 */
const SPAN_KEY = createContextKey('OpenTelemetry Context Key SPAN');

/**
 * `parent` with `span` set, as `trace.setSpan(parent, span)` makes it, read-only and without
 * copying: `setSpan` copies the parent's Map and makes three closures, on every call (what
 * this context is for: the propagator reads it, child spans are started in it). Setting or
 * deleting a value builds the API's own context.
 */
class SpanContextView implements Context {
  readonly #parent: Context;
  readonly #span: Span;
  constructor(parent: Context, span: Span) {
    this.#parent = parent;
    this.#span = span;
  }
  getValue(key: symbol): unknown {
    return key === SPAN_KEY ? this.#span : this.#parent.getValue(key);
  }
  setValue(key: symbol, value: unknown): Context {
    return trace.setSpan(this.#parent, this.#span).setValue(key, value);
  }
  deleteValue(key: symbol): Context {
    return trace.setSpan(this.#parent, this.#span).deleteValue(key);
  }
}

/** The view is used only if the API finds the span in it (the key is the API's own). */
const VIEW_WORKS = ((): boolean => {
  const probe = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  return trace.getSpan(new SpanContextView(ROOT_CONTEXT, probe)) === probe;
})();

/** `trace.setSpan(parent, span)`, cheaper. */
function withSpan(parent: Context, span: Span): Context {
  return VIEW_WORKS ? new SpanContextView(parent, span) : trace.setSpan(parent, span);
}

/** Wall-clock ms with sub-ms precision, for spans started or ended after the fact. */
const TIME_ORIGIN = performance.timeOrigin;
const nowMs = (): number => TIME_ORIGIN + performance.now();

/**
 * OpenTelemetry tracing and metrics for Docker calls, on `@opentelemetry/api` only (bring
 * your own SDK; while no tracer provider, meter provider or propagator is registered, a
 * call skips all span work).
 *
 * - By default one CLIENT span per API call, named `${method} ${route}`
 *   (`GET /containers/{id}/json`), with the stable HTTP client attributes, `url.template`,
 *   `docker.operation` and `docker.api.version`; W3C context (`traceparent`) is injected
 *   into its request. A call that sent more than one request (a resend, the version ping)
 *   also gets a child CLIENT span per request. `spans: 'two-level'` makes an INTERNAL span
 *   per call named by operation with a CLIENT child per request, always (see docs/tracing.md).
 * - `http.client.request.duration` (s) recorded per HTTP request.
 * - Streaming and hijacked calls end their spans when the stream or socket closes.
 * - A caller's abort is not an error (status unset, no exception event, no metric point).
 * - Only allow-listed attributes are set; header values are never read; error messages
 *   are scrubbed of URL credentials before they are recorded.
 *
 * Install it outermost and its `.attempt` innermost (defaultMiddleware does both).
 *
 * @example
 * import { tracing, timeout, retry, versionNegotiation } from '@dockline/middleware';
 * const t = tracing({ tracerProvider, meterProvider, serverAddress: 'localhost', networkTransport: 'unix' });
 * const middleware = [t, timeout(), retry(), versionNegotiation(), t.attempt];
 */
export function tracing(options: TracingOptions = {}): TracingMiddleware {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(PACKAGE_NAME, PACKAGE_VERSION);
  const { requestHook, responseHook, meterProvider } = options;
  const folded = (options.spans ?? 'folded') === 'folded';
  if (options.spans !== undefined && options.spans !== 'folded' && options.spans !== 'two-level') {
    throw new InvalidParameterError(`tracing: spans must be 'folded' or 'two-level', got ${JSON.stringify(options.spans)}`);
  }
  const spanBase: Attributes = {};
  const metricBase: Attributes = {};
  if (options.serverAddress !== undefined) spanBase[ATTR_SERVER_ADDRESS] = metricBase[ATTR_SERVER_ADDRESS] = options.serverAddress;
  if (options.serverPort !== undefined) spanBase[ATTR_SERVER_PORT] = metricBase[ATTR_SERVER_PORT] = options.serverPort;
  if (options.networkTransport !== undefined) spanBase[ATTR_NETWORK_TRANSPORT] = options.networkTransport;

  let histogramProvider: MeterProvider | undefined;
  let histogram: Histogram | undefined;
  /** The histogram of the current provider; undefined while only the no-op meter exists. */
  function durationHistogram(): Histogram | undefined {
    const provider = meterProvider ?? metrics.getMeterProvider();
    if (provider !== histogramProvider) {
      histogramProvider = provider;
      const meter = provider.getMeter(PACKAGE_NAME, PACKAGE_VERSION);
      histogram =
        meter === NOOP_METER
          ? undefined
          : meter.createHistogram(METRIC_HTTP_CLIENT_REQUEST_DURATION, {
              description: 'Duration of HTTP client requests.',
              unit: 's',
              advice: { explicitBucketBoundaries: DURATION_BUCKETS },
            });
    }
    return histogram;
  }

  let warnedMissingAttempt = false;

  /** Two-level: the operation span's options, per operation. */
  const operationOptions = new Map<string, SpanOptions>();
  function operationSpanOptions(operation: string): SpanOptions {
    let options = operationOptions.get(operation);
    if (options === undefined) {
      options = { kind: SpanKind.INTERNAL, attributes: { [ATTR_DOCKER_OPERATION]: operation } };
      if (operationOptions.size < CACHE_LIMIT) operationOptions.set(operation, options);
    }
    return options;
  }

  /**
   * True while nothing could observe a span, a metric or an injected header: no tracer
   * provider registered, no meter provider, no propagator. Calls then skip span work
   * entirely (the no-SDK default must not cost the hot path; see BENCHMARKS.md).
   */
  function unobserved(): boolean {
    const provider = options.tracerProvider ?? trace.getTracerProvider();
    if (provider !== NOOP_TRACER_PROVIDER && !(provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_TRACER_PROVIDER)) {
      return false;
    }
    return durationHistogram() === undefined && propagation.fields().length === 0;
  }

  /*
   * Span names and attribute objects are cached (the SDK copies what it is given): a call
   * builds none on the hot path, not even a cache key. Entries are low-cardinality (operation,
   * method, route, API version, resend; status or error type for the metric), found by
   * operation and then compared field by field, and the caches stop growing at CACHE_LIMIT
   * entries so odd inputs cannot grow them without end.
   */
  const requestKinds = new Map<string, RequestKind[]>();
  let requestKindCount = 0;

  /** The cached name and attributes of a request like `req`, known before it is sent. */
  function requestKind(req: DockerRequest): RequestKind {
    const resend = req.attempt !== undefined && req.attempt > 0 ? req.attempt : 0;
    const list = requestKinds.get(req.operation);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const k = list[i]!;
        if (k.method === req.method && k.route === req.route && k.apiVersion === req.apiVersion && k.resend === resend) return k;
      }
    }
    const attributes = Object.assign({}, spanBase);
    attributes[ATTR_HTTP_REQUEST_METHOD] = req.method;
    attributes[ATTR_URL_TEMPLATE] = req.route;
    attributes[ATTR_DOCKER_OPERATION] = req.operation;
    if (req.apiVersion !== undefined) attributes[ATTR_DOCKER_API_VERSION] = req.apiVersion;
    if (resend > 0) attributes[ATTR_HTTP_REQUEST_RESEND_COUNT] = resend;
    const kind: RequestKind = {
      method: req.method,
      route: req.route,
      apiVersion: req.apiVersion,
      resend,
      name: `${req.method} ${req.route}`,
      attributes,
      options: { kind: SpanKind.CLIENT, attributes },
      metric: new Map(),
    };
    if (requestKindCount < CACHE_LIMIT) {
      requestKindCount++;
      if (list !== undefined) list.push(kind);
      else requestKinds.set(req.operation, [kind]);
    }
    return kind;
  }

  function recordDuration(
    h: Histogram | undefined,
    req: DockerRequest,
    startMs: number,
    statusCode: number | undefined,
    error: unknown,
    kind?: RequestKind,
  ): void {
    // A cancelled request's duration is the caller's choice, not the daemon's latency.
    if (!h || (error !== undefined && isCancellation(error))) return;
    h.record((nowMs() - startMs) / 1000, metricAttributes(kind ?? requestKind(req), req, statusCode, error));
  }

  /** The metric's attributes for a request of `kind` that ended with `statusCode` or `error`. */
  function metricAttributes(kind: RequestKind, req: DockerRequest, statusCode: number | undefined, error: unknown): Attributes {
    const type = error === undefined ? '' : errorType(error);
    // Status and error type together: a status code alone is the common key.
    const key: number | string = type === '' && statusCode !== undefined ? statusCode : `${statusCode ?? ''}\0${type}`;
    let attributes = kind.metric.get(key);
    if (attributes) return attributes;
    attributes = Object.assign({}, metricBase);
    attributes[ATTR_HTTP_REQUEST_METHOD] = req.method;
    attributes[ATTR_URL_TEMPLATE] = req.route;
    // One to one with method + route, so no extra cardinality; dashboards group by it.
    attributes[ATTR_DOCKER_OPERATION] = req.operation;
    if (statusCode !== undefined) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = statusCode;
    if (type !== '') attributes[ATTR_ERROR_TYPE] = type;
    if (kind.metric.size < METRIC_CACHE_LIMIT) kind.metric.set(key, attributes);
    return attributes;
  }

  function runHooks(span: Span, req: DockerRequest, statusCode: number | undefined, error: unknown, request: boolean): void {
    const info = requestInfo(req);
    if (request && requestHook) safely('requestHook', () => requestHook(span, info));
    if (responseHook) safely('responseHook', () => responseHook(span, { request: info, statusCode, error }));
  }

  /** A CLIENT span of its own for one HTTP request, child of `parent`. */
  function runAttempt(req: DockerRequest, next: Handler, parent: Context): Promise<DockerResponse> {
    const kind = requestKind(req);
    const span = tracer.startSpan(kind.name, kind.options, parent);
    const recording = span.isRecording();
    if (recording && requestHook) {
      const info = requestInfo(req);
      safely('requestHook', () => requestHook(span, info));
    }
    const sent = injectContext(req, withSpan(parent, span));
    const h = durationHistogram();
    const start = nowMs();
    let pending: Promise<DockerResponse>;
    try {
      // Not entered as the active context either (see the call middleware): nothing below
      // `.attempt` but the transport, and a context switch per request is measurable.
      pending = next(sent);
    } catch (err) {
      pending = Promise.reject(err);
    }
    // Two closures per request, the rest in plain functions: this runs on every attempt.
    return pending.then(
      (res) => {
        if (recording && responseHook) runHooks(span, req, res.statusCode, undefined, false);
        // A stream's request lasts until its body is consumed (or destroyed).
        if (!res.stream && !res.socket) endAttempt(span, recording, req, start, h, res.statusCode, undefined);
        else whenBodyDone(res, (o) => endAttempt(span, recording, req, start, h, res.statusCode, o.error));
        return res;
      },
      (err: unknown) => {
        const statusCode = statusOf(err);
        if (recording && responseHook) runHooks(span, req, statusCode, err, false);
        endAttempt(span, recording, req, start, h, statusCode, err);
        throw err;
      },
    );
  }

  function endAttempt(
    span: Span,
    recording: boolean,
    req: DockerRequest,
    start: number,
    h: Histogram | undefined,
    statusCode: number | undefined,
    error: unknown,
  ): void {
    if (recording) {
      if (statusCode !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
      if (error !== undefined && !isCancellation(error)) markError(span, error);
    }
    span.end();
    recordDuration(h, req, start, statusCode, error);
  }

  /**
   * Folded mode: the call's first own request has no span of its own; the call span stands
   * for it (the call middleware sets its HTTP attributes). Only the metric and the hooks here.
   */
  function runFolded(call: CallState, req: DockerRequest, next: Handler): Promise<DockerResponse> {
    const start = nowMs();
    call.foldedSent = true;
    call.start0 = start;
    if (call.recording && requestHook) {
      const info = requestInfo(req);
      safely('requestHook', () => requestHook(call.span, info));
    }
    let pending: Promise<DockerResponse>;
    try {
      pending = next(req);
    } catch (err) {
      pending = Promise.reject(err);
    }
    if (!responseHook) {
      // Nothing to do here on success: the call ends with this request's answer, and
      // finishCall records its duration. The caller gets `pending` itself (no promise and
      // closure in between); a failure is noted first, since a resend may follow.
      call.metric0 = true;
      pending.then(undefined, (err: unknown) => foldedFailed(call, req, err));
      return pending;
    }
    const h = durationHistogram();
    return pending.then(
      (res) => {
        if (call.recording) runHooks(call.span, req, res.statusCode, undefined, false);
        if (h) {
          if (!res.stream && !res.socket) recordDuration(h, req, start, res.statusCode, undefined);
          else whenBodyDone(res, (o) => recordDuration(h, req, start, res.statusCode, o.error));
        }
        return res;
      },
      (err: unknown) => {
        foldedFailed(call, req, err);
        throw err;
      },
    );
  }

  /** The folded request failed: its metric point now, its span later if a resend follows. */
  function foldedFailed(call: CallState, req: DockerRequest, err: unknown): void {
    const statusCode = statusOf(err);
    call.metric0 = false;
    // Kept for expand(): a resend may follow, and then this attempt gets its span.
    call.folded0 = { req, start: call.start0, end: nowMs(), statusCode, error: err };
    if (call.recording && responseHook) runHooks(call.span, req, statusCode, err, false);
    recordDuration(durationHistogram(), req, call.start0, statusCode, err);
  }

  /** A resend follows a folded first attempt: give that attempt its span now, with its real times. */
  function expand(call: CallState): void {
    call.expanded = true;
    const first = call.folded0;
    call.folded0 = undefined;
    if (!first || !call.recording) return;
    const kind = requestKind(first.req);
    const span = tracer.startSpan(kind.name, { kind: SpanKind.CLIENT, attributes: kind.attributes, startTime: first.start }, call.ctx);
    if (first.statusCode !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, first.statusCode);
    if (first.error !== undefined && !isCancellation(first.error)) markError(span, first.error);
    span.end(first.end);
  }

  const attemptMiddleware: Middleware = markSequential(function tracingAttemptMiddleware(req, next) {
    const call = (req as AnnotatedRequest)[kCall];
    if (!call) {
      // No call middleware above (or it saw nothing to observe): a span per request on its own.
      if (unobserved()) return next(req);
      return runAttempt(req, next, context.active());
    }
    call.requests++;
    if (req.apiVersion !== undefined) call.apiVersion = req.apiVersion;
    const own = req.operation === call.operation && req.method === call.method && req.route === call.route;
    if (own && req.attempt !== undefined && req.attempt > call.resends) call.resends = req.attempt;
    if (call.folded && own) {
      if (!call.foldedSent) return runFolded(call, req, next);
      if (!call.expanded) expand(call);
    }
    return runAttempt(req, next, call.ctx);
  });

  const callMiddleware = function tracingMiddleware(req: DockerRequest, next: Handler): Promise<DockerResponse> {
    if (unobserved()) return next(req);
    const parent = context.active();
    let span: Span;
    let kind: RequestKind | undefined;
    if (folded) {
      kind = requestKind(req);
      span = tracer.startSpan(kind.name, kind.options, parent);
    } else {
      span = tracer.startSpan(req.operation || 'DockerRequest', operationSpanOptions(req.operation), parent);
    }
    const recording = span.isRecording();
    const ctx = withSpan(parent, span);
    const call: CallState = {
      req,
      kind,
      start: nowMs(),
      span,
      ctx,
      recording,
      folded,
      operation: req.operation,
      method: req.method,
      route: req.route,
      apiVersion: req.apiVersion,
      requests: 0,
      resends: 0,
      foldedSent: false,
      folded0: undefined,
      start0: 0,
      metric0: false,
      expanded: false,
    };
    // Folded, the call span is the first request's span: its context goes out with the request.
    const annotated = annotate(req, call, folded ? withContextHeaders(req.headers, ctx) : req.headers);
    let pending: Promise<DockerResponse>;
    try {
      // No context.with here: what is below reads the call's context from the annotation, and
      // entering a context per call is measurable on the hot path (see BENCHMARKS.md, tracing).
      pending = next(annotated);
    } catch (err) {
      pending = Promise.reject(err);
    }
    // Plain `then` with no helper closures: this runs on every traced call.
    return pending.then(
      (res) => {
        const apiVersion = res.request?.apiVersion ?? call.apiVersion;
        // A streaming call lasts until its body is consumed (or destroyed).
        if (!res.stream && !res.socket) finishCall(call, res.statusCode, apiVersion, undefined);
        else whenBodyDone(res, (o) => finishCall(call, res.statusCode, apiVersion, o.error));
        return res;
      },
      (err: unknown) => {
        finishCall(call, statusOf(err), call.apiVersion, err);
        throw err;
      },
    );
  };

  function finishCall(call: CallState, statusCode: number | undefined, apiVersion: string | undefined, error: unknown): void {
    const { span, req } = call;
    if (call.requests === 0) {
      // `.attempt` is not installed: this middleware stands for everything below it.
      if (!folded) attemptNotInstalled();
      if (call.recording && (requestHook || responseHook)) runHooks(span, req, statusCode, error, true);
      recordDuration(durationHistogram(), req, call.start, statusCode, error);
    } else if (call.metric0 && !call.expanded) {
      // The folded request's duration: the call settled with its answer (or its body closed).
      recordDuration(durationHistogram(), req, call.start0, statusCode, error, call.kind);
    }
    if (call.recording) {
      if (apiVersion !== undefined) span.setAttribute(ATTR_DOCKER_API_VERSION, apiVersion);
      if (folded) {
        if (statusCode !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
        if (call.resends > 0) span.setAttribute(ATTR_HTTP_REQUEST_RESEND_COUNT, call.resends);
      }
      if (error !== undefined && !isCancellation(error)) markError(span, error);
    }
    span.end();
  }

  /** Two-level mode with `.attempt` not in the chain: say so once (there are no CLIENT spans). */
  function attemptNotInstalled(): void {
    if (warnedMissingAttempt) return;
    warnedMissingAttempt = true;
    diag.warn(
      `${PACKAGE_NAME}: tracing({ spans: 'two-level' }).attempt is not in the middleware chain (it saw no request), ` +
        'so calls get no CLIENT span and no traceparent. Put it innermost: [t, ..., t.attempt].',
    );
  }

  return Object.assign(markSequential(callMiddleware), { attempt: attemptMiddleware }) as TracingMiddleware;
}

/** The HTTP status of a failed request, when the daemon answered. */
function statusOf(error: unknown): number | undefined {
  return error instanceof DockerError ? error.statusCode : undefined;
}

function markError(span: Span, error: unknown): void {
  span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
  span.recordException(safeException(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: safeMessage(error) });
}

/** A caller's abort is a cancellation, not a failure (a deadline, TimeoutError, is a failure). */
function isCancellation(error: unknown): boolean {
  return error instanceof AbortError || (error instanceof Error && error.name === 'AbortError');
}

/** `error.type`: the HTTP status as a string when the daemon answered, else core's class name, else `_OTHER`. */
function errorType(error: unknown): string {
  if (error instanceof DockerError) {
    if (error.statusCode !== undefined) return String(error.statusCode);
    if (CORE_ERROR_NAMES.has(error.name)) return error.name;
  }
  return ERROR_TYPE_VALUE_OTHER;
}

function safeMessage(error: unknown): string {
  return redactText(error instanceof Error ? error.message : String(error));
}

/**
 * A scrubbed copy: name, message and stack with URL credentials redacted; nothing else of
 * the error. No `code`: the SDK would prefer it to the class name for `exception.type`.
 */
function safeException(error: unknown): Exception {
  if (!(error instanceof Error)) return { name: 'Error', message: safeMessage(error) };
  const out: Exception = { name: error.name, message: redactText(error.message) };
  if (error.stack !== undefined) out.stack = redactText(error.stack);
  return out;
}

function requestInfo(req: DockerRequest): TracingRequestInfo {
  return {
    operation: req.operation,
    method: req.method,
    route: req.route,
    path: req.path,
    apiVersion: req.apiVersion,
    attempt: req.attempt ?? 0,
    response: req.response,
  };
}

/**
 * A copy of `req` carrying the call's state for the attempt middleware, with `headers`.
 *
 * Built as one literal with every field of DockerRequest and the annotation, not as
 * `{ ...req, [kCall]: call }`: a spread that then grows the object leaves it (and every copy
 * the layers below make) in a slow shape, which cost more than the span itself with 16 calls
 * in flight (BENCHMARKS.md, tracing). Fields and symbols a caller added are kept.
 */
function annotate(req: DockerRequest, call: CallState, headers: Record<string, string> | undefined): DockerRequest {
  const out: CompleteRequest & { [kCall]: CallState } = {
    operation: req.operation,
    method: req.method,
    path: req.path,
    route: req.route,
    query: req.query,
    headers,
    body: req.body,
    response: req.response,
    idempotent: req.idempotent,
    longRunning: req.longRunning,
    signal: req.signal,
    deadline: req.deadline,
    timeoutMs: req.timeoutMs,
    apiVersion: req.apiVersion,
    minApiVersion: req.minApiVersion,
    attempt: req.attempt,
    graceMs: req.graceMs,
    idleTimeoutMs: req.idleTimeoutMs,
    maxResponseBytes: req.maxResponseBytes,
    unref: req.unref,
    secrets: req.secrets,
    [kCall]: call,
  };
  // A request from the pipeline has exactly these fields in this order: a check without lookups.
  let i = 0;
  let extra = false;
  for (const key in req) {
    if (key !== REQUEST_FIELDS[i++]) {
      extra = true;
      break;
    }
  }
  if (extra) {
    for (const key in req) {
      if (!(key in out)) (out as unknown as Record<string, unknown>)[key] = (req as unknown as Record<string, unknown>)[key];
    }
  }
  const symbols = Object.getOwnPropertySymbols(req);
  for (let j = 0; j < symbols.length; j++) {
    const sym = symbols[j]!;
    if (sym !== kCall) (out as unknown as Record<symbol, unknown>)[sym] = (req as unknown as Record<symbol, unknown>)[sym];
  }
  return out;
}

/** DockerRequest's fields in the order core's pipeline gives them (normalizeRequest). */
const REQUEST_FIELDS: readonly string[] = [
  'operation',
  'method',
  'path',
  'route',
  'query',
  'headers',
  'body',
  'response',
  'idempotent',
  'longRunning',
  'signal',
  'deadline',
  'timeoutMs',
  'apiVersion',
  'minApiVersion',
  'attempt',
  'graceMs',
  'idleTimeoutMs',
  'maxResponseBytes',
  'unref',
  'secrets',
];

/**
 * Inject the attempt's context (W3C traceparent/tracestate with the default propagator)
 * into a copy of the request's headers. Nothing is done when no propagator is registered.
 */
function injectContext(req: DockerRequest, ctx: Context): DockerRequest {
  const headers = withContextHeaders(req.headers, ctx);
  return headers === req.headers ? req : { ...req, headers };
}

/**
 * `headers` with the context's propagation headers: a new object (a caller's header of the
 * same name, in any case, is replaced), or `headers` itself when the propagator injects nothing.
 */
function withContextHeaders(headers: Record<string, string> | undefined, ctx: Context): Record<string, string> | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  if (headers === undefined) {
    for (const _ in carrier) return carrier;
    return headers;
  }
  const names: string[] = [];
  for (const name in carrier) names.push(name.toLowerCase());
  if (names.length === 0) return headers;
  const merged: Record<string, string> = {};
  for (const k in headers) if (!names.includes(k.toLowerCase())) merged[k] = headers[k]!;
  return Object.assign(merged, carrier);
}

function safely(name: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    diag.error(`${PACKAGE_NAME}: tracing ${name} threw (ignored): ${safeMessage(err)}`);
  }
}
