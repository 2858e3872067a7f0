import { Deadline, abortError, markSequential, type DockerRequest, type DockerResponse, type Handler, type Middleware, InvalidParameterError } from '@dockline/core';

/** The kubelet's runtime request timeout: 2 minutes. */
export const DEFAULT_TIMEOUT_MS = 120_000;

export interface TimeoutOptions {
  /**
   * Deadline in ms for requests that are not `longRunning` and carry no `timeoutMs` of
   * their own. 0 or Infinity: no default deadline. Default 120 000 (2 min).
   */
  defaultMs?: number;
}

/**
 * A deadline per call. The limit is `req.timeoutMs` when set (per call wins, also for
 * long-running operations), else `defaultMs` plus `req.graceMs` (the time an operation may
 * legitimately take, e.g. a stop's grace period) for short operations; `longRunning`
 * requests without `timeoutMs` get none. `timeoutMs: 0` means no deadline.
 *
 * The deadline travels down as `req.deadline` (a core `Deadline`, no AbortController per
 * call): core aborts the HTTP request when it passes and the call rejects with a
 * `TimeoutError` ("ContainerInspect timed out after 500 ms") and closes the connection,
 * so nothing is leaked. The caller's own `signal` goes down untouched: its abort rejects
 * with an `AbortError`. Everything below this middleware (retries, backoff sleeps, the
 * version ping) shares the one deadline.
 *
 * The deadline is cooperative, as a Go context's is: core, retry and versionNegotiation
 * honour it. A middleware of your own installed below this one that waits on its own
 * (a cache, a rate limiter) should not wait past `req.deadline.remaining()`.
 *
 * The deadline covers the whole answer, a streamed body included (logs without follow),
 * except for 'hijack' responses, where it covers the response head (the session lasts as
 * long as its streams). A follow stream has no deadline; `req.idleTimeoutMs` bounds its
 * silences. The caller's `signal` stays linked until the stream or socket closes.
 *
 * @example
 * import { createPipeline } from '@dockline/core';
 * import { timeout } from '@dockline/middleware';
 * const pipeline = createPipeline({ transport, middleware: [timeout({ defaultMs: 30_000 })] });
 * await pipeline.send({ ...inspect, timeoutMs: 500 }); // TimeoutError after 500 ms
 */
export function timeout(options: TimeoutOptions = {}): Middleware {
  const defaultMs = options.defaultMs ?? DEFAULT_TIMEOUT_MS;
  checkMs('timeout({ defaultMs })', defaultMs);

  return markSequential(function timeoutMiddleware(req: DockerRequest, next: Handler): Promise<DockerResponse> {
    let ms: number | undefined;
    try {
      ms = limitFor(req, defaultMs);
    } catch (err) {
      return Promise.reject(err);
    }
    if (ms === undefined || ms === 0 || ms === Infinity) return next(req);
    try {
      checkMs(`${req.operation}: timeoutMs`, ms);
    } catch (err) {
      return Promise.reject(err);
    }
    return withDeadline(req, next, ms);
  });
}

/**
 * The call's limit: its own `timeoutMs` when set; else, for a short operation, the default
 * plus the time it may legitimately take (`graceMs`: a stop's grace period); long-running
 * operations get none.
 */
function limitFor(req: DockerRequest, defaultMs: number): number | undefined {
  if (req.timeoutMs !== undefined) return req.timeoutMs;
  if (req.longRunning || defaultMs === 0 || defaultMs === Infinity) return undefined;
  const grace = req.graceMs ?? 0;
  if (grace === Infinity) return undefined;
  if (typeof grace !== 'number' || Number.isNaN(grace) || grace < 0) {
    throw new InvalidParameterError(`dockline: ${req.operation}: graceMs must be a number of milliseconds >= 0, got ${String(req.graceMs)}`);
  }
  return defaultMs + grace;
}

function checkMs(name: string, ms: number): void {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    throw new InvalidParameterError(`dockline: ${name} must be a number of milliseconds >= 0 (0 or Infinity: none), got ${String(ms)}`);
  }
}

function withDeadline(req: DockerRequest, next: Handler, ms: number): Promise<DockerResponse> {
  const caller = req.signal;
  if (caller?.aborted) return Promise.reject(abortError(caller, req.operation));
  // An outer deadline that passes first still wins.
  const deadline = Deadline.earliest(req.deadline, new Deadline(ms, req.operation));
  return next({ ...req, deadline });
}
