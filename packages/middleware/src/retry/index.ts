import { Readable } from 'node:stream';
import {
  ConnectionError,
  UnavailableError,
  abortError,
  markSequential,
  sleepWithin,
  type DockerRequest,
  type DockerResponse,
  type Handler,
  type Middleware, InvalidParameterError } from '@dockline/core';

export interface RetryOptions {
  /** Total tries, the first included: 3 means up to 2 resends. 1 disables retrying. Default 3. */
  attempts?: number;
  /** Backoff base in ms: the n-th resend waits random(0, min(maxMs, baseMs * 2^n)). Default 100. */
  baseMs?: number;
  /** Backoff cap in ms. Default 2000. */
  maxMs?: number;
  /**
   * Which errors are worth another try for an idempotent request. Default
   * `isRetryableError`: ConnectionError and UnavailableError (429, 502, 503, 504).
   * It cannot widen what a non-idempotent request gets: that is only ever resent when it
   * provably never reached the daemon (`ConnectionError` with `connectFailed`).
   */
  retryOn?: (error: unknown, req: DockerRequest, attempt: number) => boolean;
}

/** The default `retryOn`: a broken or refused connection, or the daemon saying "not now" (429/502/503/504). */
export function isRetryableError(error: unknown): boolean {
  return error instanceof ConnectionError || error instanceof UnavailableError;
}

/** A non-idempotent request may be resent only when it provably never left. */
function neverReachedDaemon(error: unknown): boolean {
  return error instanceof ConnectionError && error.connectFailed;
}

/**
 * Retries with full-jitter exponential backoff (AWS "Exponential Backoff and Jitter"):
 * idempotent requests on ConnectionError and UnavailableError, non-idempotent ones only
 * when the connection was never made. Sets `req.attempt` (0, 1, 2...) on each try.
 *
 * The backoff sleep never runs past `req.deadline` (the timeout middleware's): when the
 * deadline comes first the call rejects with its TimeoutError then; it ends at once when
 * `req.signal` aborts. Retry never outlives the deadline. Retry only decides before a response is returned, so a 'stream' or 'hijack'
 * response is never retried once it resolved: an error mid-body reaches the caller.
 * Retry-After is not honoured: core's errors do not carry response headers.
 *
 * @example
 * import { createPipeline } from '@dockline/core';
 * import { retry } from '@dockline/middleware';
 * const pipeline = createPipeline({ transport, middleware: [retry({ attempts: 5, baseMs: 50 })] });
 */
export function retry(options: RetryOptions = {}): Middleware {
  const attempts = options.attempts ?? 3;
  const baseMs = options.baseMs ?? 100;
  const maxMs = options.maxMs ?? 2000;
  const retryOn = options.retryOn ?? isRetryableError;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new InvalidParameterError(`dockline: retry({ attempts }) must be an integer >= 1, got ${String(attempts)}`);
  }
  for (const [name, value] of [['baseMs', baseMs], ['maxMs', maxMs]] as const) {
    if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
      throw new InvalidParameterError(`dockline: retry({ ${name} }) must be a finite number of milliseconds >= 0, got ${String(value)}`);
    }
  }
  if (typeof retryOn !== 'function') throw new InvalidParameterError('dockline: retry({ retryOn }) must be a function');

  async function retryAfter(first: unknown, req: DockerRequest, next: Handler): Promise<DockerResponse> {
    let err = first;
    for (let attempt = 0; ; ) {
      if (attempt + 1 >= attempts || !mayRetry(err, req, attempt, retryOn)) throw err;
      if (req.signal?.aborted) throw abortError(req.signal, req.operation);
      if (req.deadline?.expired) throw req.deadline.error();
      const capMs = Math.min(maxMs, baseMs * 2 ** attempt);
      await sleepWithin(Math.random() * capMs, req);
      attempt++;
      try {
        return await next({ ...req, attempt });
      } catch (e) {
        err = e;
      }
    }
  }

  // The first attempt is a plain call: no async frame on the path every request takes.
  return markSequential(function retryMiddleware(req: DockerRequest, next: Handler): Promise<DockerResponse> {
    let first: Promise<DockerResponse>;
    try {
      first = next({ ...req, attempt: 0 });
    } catch (err) {
      first = Promise.reject(err);
    }
    return first.then(undefined, (err: unknown) => retryAfter(err, req, next));
  });
}

function mayRetry(error: unknown, req: DockerRequest, attempt: number, retryOn: RetryOptions['retryOn'] & {}): boolean {
  if (!bodyReplayable(req, error)) return false;
  if (!req.idempotent) return neverReachedDaemon(error);
  try {
    return retryOn(error, req, attempt) === true;
  } catch {
    return false;
  }
}

/**
 * A streamed request body can be sent once. It may go again only if nothing of it was read
 * (the connect failed before undici touched it).
 */
function bodyReplayable(req: DockerRequest, error: unknown): boolean {
  const body = req.body;
  if (body instanceof Readable) return neverReachedDaemon(error) && !body.readableDidRead && !body.destroyed;
  if (body !== null && typeof body === 'object' && typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    return false;
  }
  return true;
}
