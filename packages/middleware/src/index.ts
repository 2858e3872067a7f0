import type { Middleware } from '@dockline/core';
import { retry, type RetryOptions } from './retry/index.js';
import { timeout, type TimeoutOptions } from './timeout/index.js';
import { tracing, type TracingMiddleware, type TracingOptions } from './tracing/index.js';
import {
  versionNegotiation,
  type VersionNegotiationMiddleware,
  type VersionNegotiationOptions,
} from './version-negotiation/index.js';

export { retry, isRetryableError, type RetryOptions } from './retry/index.js';
export { timeout, DEFAULT_TIMEOUT_MS, type TimeoutOptions } from './timeout/index.js';
export {
  tracing,
  type TracingMiddleware,
  type TracingOptions,
  type TracingRequestHook,
  type TracingRequestInfo,
  type TracingResponseHook,
  type TracingResponseInfo,
} from './tracing/index.js';
export {
  versionNegotiation,
  DEFAULT_MAX_API_VERSION,
  DEFAULT_MIN_API_VERSION,
  type ApiVersionInfo,
  type VersionNegotiationMiddleware,
  type VersionNegotiationOptions,
} from './version-negotiation/index.js';

/**
 * Options of each default middleware, or an instance built beforehand (to keep a handle
 * on it, e.g. `negotiation.version()`), or `false` to leave it out.
 */
export interface DefaultMiddlewareOptions {
  tracing?: TracingOptions | TracingMiddleware | false;
  timeout?: TimeoutOptions | Middleware | false;
  retry?: RetryOptions | Middleware | false;
  versionNegotiation?: VersionNegotiationOptions | VersionNegotiationMiddleware | false;
}

/**
 * The four middleware in the order they work together:
 *
 *   [tracing, timeout, retry, versionNegotiation, tracing.attempt]
 *
 * 1. tracing outermost: one span per API call, covering the deadline, every retry and
 *    backoff sleep and the version ping, and ending with the error the caller sees (a
 *    TimeoutError included). By default a call that sends one request is one CLIENT span.
 * 2. timeout next: one deadline for the whole call, retries and backoff included; retry
 *    reads it from req.deadline and never sleeps past it.
 * 3. retry: resends what failed below it, the version ping included.
 * 4. versionNegotiation below retry: a failed ping is retried like any request, and every
 *    attempt gets the version prefix.
 * 5. tracing.attempt innermost: sees each HTTP request actually sent (each retry, the
 *    ping): child CLIENT spans when a call sends more than one (or always, with
 *    `spans: 'two-level'`), carrying traceparent, the final path, api version and resend
 *    count (docs/tracing.md).
 *
 * @example
 * import { createPipeline } from '@dockline/core';
 * import { defaultMiddleware } from '@dockline/middleware';
 * const transport = unixTransport();
 * const middleware = defaultMiddleware({
 *   tracing: { serverAddress: transport.host, networkTransport: transport.networkTransport },
 *   timeout: { defaultMs: 60_000 },
 * });
 * const pipeline = createPipeline({ transport, middleware });
 */
export function defaultMiddleware(options: DefaultMiddlewareOptions = {}): Middleware[] {
  const t = pick(options.tracing, tracing);
  const out: Middleware[] = [];
  if (t) out.push(t);
  const d = pick(options.timeout, timeout);
  if (d) out.push(d);
  const r = pick(options.retry, retry);
  if (r) out.push(r);
  const v = pick(options.versionNegotiation, versionNegotiation);
  if (v) out.push(v);
  if (t) out.push(t.attempt);
  return out;
}

function pick<O extends object, M extends Middleware>(value: O | M | false | undefined, factory: (o?: O) => M): M | undefined {
  if (value === false) return undefined;
  if (typeof value === 'function') return value;
  return factory(value);
}
