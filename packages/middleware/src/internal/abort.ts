import { AbortError, DockerError, type DockerRequest } from '@dockline/core';

/**
 * The error a call rejects with once its signal aborted, mapped as core's requestError
 * maps it: the reason itself when it is a DockerError (the TimeoutError that timeout()
 * aborts with), else an AbortError (the caller gave up).
 */
export function abortError(signal: AbortSignal, operation: string): DockerError {
  const reason: unknown = signal.reason;
  if (reason instanceof DockerError) return reason;
  return new AbortError(`${operation} aborted`, { operation, cause: reason });
}

/**
 * Sleep `ms`, but never past the request's deadline (then reject with its TimeoutError,
 * when it passes) and reject at once (with abortError) when its signal aborts. No timer or
 * listener is left behind.
 */
export function sleep(ms: number, req: Pick<DockerRequest, 'signal' | 'deadline' | 'operation'>): Promise<void> {
  const { signal, deadline, operation } = req;
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal, operation));
      return;
    }
    const hitsDeadline = deadline !== undefined && deadline.remaining() <= ms;
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!, operation));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        if (hitsDeadline) reject(deadline.error());
        else resolve();
      },
      hitsDeadline ? deadline.remaining() : ms,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Wait for `promise`, but reject as soon as the request's signal aborts or its deadline
 * passes. The listener and timer go when either settles, so a long-lived signal does not
 * collect listeners.
 */
export function raceAbort<T>(promise: Promise<T>, req: Pick<DockerRequest, 'signal' | 'deadline' | 'operation'>): Promise<T> {
  const { signal, deadline, operation } = req;
  if (!signal && !deadline) return promise;
  if (signal?.aborted) return Promise.reject(abortError(signal, operation));
  if (deadline?.expired) return Promise.reject(deadline.error());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!, operation));
    };
    const timer = deadline ? setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      reject(deadline.error());
    }, deadline.remaining()) : undefined;
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    promise.then(
      (value) => {
        done();
        resolve(value);
      },
      (err: unknown) => {
        done();
        reject(err);
      },
    );
  });
}
