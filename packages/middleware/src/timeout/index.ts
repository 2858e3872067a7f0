import { TimeoutError, type DockerRequest, type DockerResponse, type Handler, type Middleware } from '@dockline/core';
import { abortError } from '../internal/abort.js';
import { discardResponse, whenBodyDone } from '../internal/body.js';

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
 * long-running operations), else `defaultMs` for short operations; `longRunning`
 * requests without `timeoutMs` get none. `timeoutMs: 0` means no deadline.
 *
 * On expiry the request's signal is aborted with a `TimeoutError` ("ContainerInspect
 * timed out after 500 ms") as its reason: core rejects with that error and undici
 * destroys the socket, so nothing is leaked. The caller's own `signal` is linked in: its
 * abort rejects with an `AbortError`. Everything below this middleware (retries, backoff
 * sleeps, the version ping) shares the one deadline.
 *
 * For 'stream' and 'hijack' responses the deadline covers the response head only: once
 * the call resolved, the body belongs to the caller (pass a `signal` to bound it). The
 * caller's signal stays linked until the stream or socket closes, so aborting it mid-body
 * still frees the connection.
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

  return function timeoutMiddleware(req: DockerRequest, next: Handler): Promise<DockerResponse> {
    const ms = req.timeoutMs ?? (req.longRunning ? undefined : defaultMs);
    if (ms === undefined || ms === 0 || ms === Infinity) return next(req);
    try {
      checkMs(`${req.operation}: timeoutMs`, ms);
    } catch (err) {
      return Promise.reject(err);
    }
    return withDeadline(req, next, ms);
  };
}

function checkMs(name: string, ms: number): void {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    throw new TypeError(`dockline: ${name} must be a number of milliseconds >= 0 (0 or Infinity: none), got ${String(ms)}`);
  }
}

function withDeadline(req: DockerRequest, next: Handler, ms: number): Promise<DockerResponse> {
  const caller = req.signal;
  if (caller?.aborted) return Promise.reject(abortError(caller, req.operation));

  const controller = new AbortController();
  const signal = controller.signal;
  const onCallerAbort = () => controller.abort(caller!.reason);
  caller?.addEventListener('abort', onCallerAbort, { once: true });
  const unlinkCaller = () => caller?.removeEventListener('abort', onCallerAbort);
  const timer = setTimeout(() => {
    controller.abort(new TimeoutError(`${req.operation} timed out after ${ms} ms`, { operation: req.operation, timeoutMs: ms }));
  }, ms);

  return new Promise<DockerResponse>((resolve, reject) => {
    let settled = false;
    // Reject as soon as the deadline passes, even if something below does not honour the
    // signal promptly (core and undici do; a user's middleware might not).
    const onAbort = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unlinkCaller();
      reject(abortError(signal, req.operation));
    };
    signal.addEventListener('abort', onAbort, { once: true });

    let pending: Promise<DockerResponse>;
    try {
      pending = next({ ...req, signal });
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (res) => {
        if (settled) {
          // We already rejected: nobody will read this body, free its connection.
          discardResponse(res);
          return;
        }
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        // The head arrived: the deadline is over. A body still flowing keeps the caller's
        // signal linked until it closes, so an abort mid-stream still reaches undici.
        if (!whenBodyDone(res, unlinkCaller)) unlinkCaller();
        resolve(res);
      },
      (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        unlinkCaller();
        reject(err);
      },
    );
  });
}
