import { AbortError, DockerError } from '@dockline/core';

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

/** Sleep `ms`, or reject at once (with abortError) when `signal` aborts first. No timer is left behind. */
export function sleep(ms: number, signal: AbortSignal | undefined, operation: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal, operation));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!, operation));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Wait for `promise`, but reject as soon as `signal` aborts. The listener is removed when
 * either settles, so a long-lived signal does not collect listeners.
 */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined, operation: string): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal, operation));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, operation));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
