import {
  context,
  createNoopMeter,
  diag,
  metrics,
  propagation,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Exception,
  type Histogram,
  type MeterProvider,
  type Span,
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
  markSequential,
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

/** Runs when an attempt's CLIENT span starts (before the request is sent). Errors it throws are logged and ignored. */
export type TracingRequestHook = (span: Span, request: TracingRequestInfo) => void;
/** Runs when an attempt's response head arrived or the attempt failed. Errors it throws are logged and ignored. */
export type TracingResponseHook = (span: Span, response: TracingResponseInfo) => void;

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
  requestHook?: TracingRequestHook;
  responseHook?: TracingResponseHook;
}

export interface TracingMiddleware extends Middleware {
  /**
   * The per-attempt half: one CLIENT span per HTTP request actually sent (each retry and
   * the version ping included), carrying `traceparent`. Install it innermost. Reading this
   * property switches the instance to split mode: the outer middleware then makes only
   * the operation span and leaves attempt spans to this one.
   */
  readonly attempt: Middleware;
}

/** Private annotation carried on the request from the operation span to the attempt spans. */
const kCall = Symbol('dockline.tracing.call');

interface CallState {
  /** Context holding the operation span: the parent of every attempt span. */
  readonly ctx: Context;
  apiVersion: string | undefined;
  attempts: number;
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

/**
 * OpenTelemetry tracing and metrics for Docker calls, on `@opentelemetry/api` only (bring
 * your own SDK; while no tracer provider, meter provider or propagator is registered, a
 * call skips all span work).
 *
 * - One INTERNAL span per API call, named by operation (`ContainerInspect`).
 * - One CLIENT span per HTTP attempt, named `${method} ${route}` (`GET /containers/{id}/json`),
 *   with the stable HTTP client attributes, `url.template`, `docker.operation` and
 *   `docker.api.version`; W3C context (`traceparent`) is injected into its request.
 * - `http.client.request.duration` (s) recorded per attempt.
 * - Streaming and hijacked calls end their spans when the stream or socket closes.
 * - A caller's abort is not an error (status unset, no exception event, no metric point).
 * - Only allow-listed attributes are set; header values are never read; error messages
 *   are scrubbed of URL credentials before they are recorded.
 *
 * Install it outermost. For one CLIENT span per attempt (retries, the version ping), also
 * install `.attempt` innermost; without it the operation middleware makes one CLIENT span
 * itself around everything below it.
 *
 * @example
 * import { tracing, timeout, retry, versionNegotiation } from '@dockline/middleware';
 * const t = tracing({ tracerProvider, meterProvider, serverAddress: 'localhost', networkTransport: 'unix' });
 * const middleware = [t, timeout(), retry(), versionNegotiation(), t.attempt];
 */
export function tracing(options: TracingOptions = {}): TracingMiddleware {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(PACKAGE_NAME, PACKAGE_VERSION);
  const { requestHook, responseHook, meterProvider } = options;
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

  let split = false;
  let warnedMissingAttempt = false;

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

  function runAttempt(req: AnnotatedRequest, next: Handler): Promise<DockerResponse> {
    const call = req[kCall];
    if (call) {
      call.attempts++;
      if (req.apiVersion !== undefined) call.apiVersion = req.apiVersion;
    }
    const parent = call?.ctx ?? context.active();
    const span = tracer.startSpan(`${req.method} ${req.route}`, { kind: SpanKind.CLIENT }, parent);
    const recording = span.isRecording();
    let info: TracingRequestInfo | undefined;
    if (recording) {
      span.setAttributes(spanBase);
      span.setAttribute(ATTR_HTTP_REQUEST_METHOD, req.method);
      span.setAttribute(ATTR_URL_TEMPLATE, req.route);
      span.setAttribute(ATTR_DOCKER_OPERATION, req.operation);
      if (req.apiVersion !== undefined) span.setAttribute(ATTR_DOCKER_API_VERSION, req.apiVersion);
      if (req.attempt !== undefined && req.attempt > 0) span.setAttribute(ATTR_HTTP_REQUEST_RESEND_COUNT, req.attempt);
      if (requestHook) {
        info = requestInfo(req);
        const i = info;
        safely('requestHook', () => requestHook(span, i));
      }
    }
    const ctx = trace.setSpan(parent, span);
    const sent = injectContext(req, ctx);
    const histogram = durationHistogram();
    const start = performance.now();

    const finish = (statusCode: number | undefined, error: unknown): void => {
      const cancelled = isCancellation(error);
      if (recording) {
        if (statusCode !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
        if (error !== undefined && !cancelled) markError(span, error);
      }
      span.end();
      // A cancelled attempt's duration is the caller's choice, not the daemon's latency.
      if (histogram && !cancelled) {
        const attributes: Attributes = { ...metricBase, [ATTR_HTTP_REQUEST_METHOD]: req.method, [ATTR_URL_TEMPLATE]: req.route };
        if (statusCode !== undefined) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = statusCode;
        if (error !== undefined) attributes[ATTR_ERROR_TYPE] = errorType(error);
        histogram.record((performance.now() - start) / 1000, attributes);
      }
    };
    const respond = (statusCode: number | undefined, error: unknown): void => {
      if (!recording || !responseHook) return;
      const request = info ?? requestInfo(req);
      safely('responseHook', () => responseHook(span, { request, statusCode, error }));
    };

    let pending: Promise<DockerResponse>;
    try {
      pending = context.with(ctx, next, undefined, sent);
    } catch (err) {
      pending = Promise.reject(err);
    }
    return pending.then(
      (res) => {
        respond(res.statusCode, undefined);
        // A stream's attempt lasts until its body is consumed (or destroyed).
        if (!whenBodyDone(res, (o) => finish(res.statusCode, o.error))) finish(res.statusCode, undefined);
        return res;
      },
      (err: unknown) => {
        const statusCode = err instanceof DockerError ? err.statusCode : undefined;
        respond(statusCode, err);
        finish(statusCode, err);
        throw err;
      },
    );
  }

  const attemptMiddleware: Middleware = markSequential(function tracingAttemptMiddleware(req, next) {
    if (unobserved()) return next(req);
    return runAttempt(req, next);
  });

  const operationMiddleware = function tracingMiddleware(req: DockerRequest, next: Handler): Promise<DockerResponse> {
    if (unobserved()) return next(req);
    const parent = context.active();
    const span = tracer.startSpan(req.operation || 'DockerRequest', { kind: SpanKind.INTERNAL }, parent);
    if (!span.isRecording()) {
      // Not sampled, or no SDK: no attribute work. Attempts still propagate the parent's
      // context (a sampled-out traceparent) and record the metric.
      span.end();
      return split ? next(req) : runAttempt(req, next);
    }
    span.setAttribute(ATTR_DOCKER_OPERATION, req.operation);
    const ctx = trace.setSpan(parent, span);
    const call: CallState = { ctx, apiVersion: req.apiVersion, attempts: 0 };
    const annotated: AnnotatedRequest = { ...req, [kCall]: call };
    const splitNow = split;

    let pending: Promise<DockerResponse>;
    try {
      pending = context.with(ctx, splitNow ? next : (r: DockerRequest) => runAttempt(r, next), undefined, annotated);
    } catch (err) {
      pending = Promise.reject(err);
    }
    return pending.then(
      (res) => {
        if (splitNow && call.attempts === 0) attemptNotInstalled();
        const apiVersion = res.request?.apiVersion ?? call.apiVersion;
        if (apiVersion !== undefined) span.setAttribute(ATTR_DOCKER_API_VERSION, apiVersion);
        // A streaming call lasts until its body is consumed (or destroyed).
        if (!whenBodyDone(res, (o) => endOperation(span, o.error))) span.end();
        return res;
      },
      (err: unknown) => {
        if (call.apiVersion !== undefined) span.setAttribute(ATTR_DOCKER_API_VERSION, call.apiVersion);
        endOperation(span, err);
        throw err;
      },
    );
  };

  /** `.attempt` was read but never ran: fall back to attempt spans from the operation middleware. */
  function attemptNotInstalled(): void {
    split = false;
    if (warnedMissingAttempt) return;
    warnedMissingAttempt = true;
    diag.warn(
      `${PACKAGE_NAME}: tracing().attempt was read but is not in the middleware chain (it saw no request); ` +
        'the operation middleware makes the CLIENT spans from now on. Put it innermost: [t, ..., t.attempt].',
    );
  }

  Object.defineProperty(operationMiddleware, 'attempt', {
    enumerable: true,
    get(): Middleware {
      split = true;
      return attemptMiddleware;
    },
  });
  return markSequential(operationMiddleware) as TracingMiddleware;
}

function endOperation(span: Span, error: unknown): void {
  if (error !== undefined && !isCancellation(error)) markError(span, error);
  span.end();
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
 * Inject the attempt's context (W3C traceparent/tracestate with the default propagator)
 * into a copy of the request's headers. Nothing is done when no propagator is registered.
 */
function injectContext(req: DockerRequest, ctx: Context): DockerRequest {
  if (propagation.fields().length === 0) return req;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  const names = Object.keys(carrier);
  if (names.length === 0) return req;
  const headers: Record<string, string> = {};
  const lower = new Set(names.map((n) => n.toLowerCase()));
  for (const [k, v] of Object.entries(req.headers ?? {})) if (!lower.has(k.toLowerCase())) headers[k] = v;
  return { ...req, headers: Object.assign(headers, carrier) };
}

function safely(name: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    diag.error(`${PACKAGE_NAME}: tracing ${name} threw (ignored): ${safeMessage(err)}`);
  }
}
