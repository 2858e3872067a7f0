import type { Deadline } from './deadline.js';
import { AbortError, DockerError } from './errors.js';

/**
 * The one abort mechanism of dockline: what a call fails with when its caller's signal
 * aborts or its deadline passes, and how a piece of code (core's HTTP exchanges, retry's
 * backoff, the shared version ping, a transport's connect) is told so. Everything that
 * waits on behalf of a call goes through `watchCall`.
 */

/** What a call's abort and deadline are read from. */
export interface CallLimits {
  operation: string;
  signal?: AbortSignal | undefined;
  deadline?: Deadline | undefined;
}

/**
 * The error a call fails with once `signal` aborted: the reason itself when it is a
 * DockerError (a TimeoutError an outer layer aborted with), else an AbortError naming the
 * operation.
 */
export function abortError(signal: AbortSignal | undefined, operation: string, endpoint?: string): DockerError {
  const reason: unknown = signal?.reason;
  if (reason instanceof DockerError) return reason;
  return new AbortError(`${operation} aborted`, { operation, endpoint, cause: reason });
}

/** The call is already over: its signal aborted or its deadline passed (the error), else undefined. */
export function callEnded(limits: CallLimits, endpoint?: string): DockerError | undefined {
  if (limits.signal?.aborted) return abortError(limits.signal, limits.operation, endpoint);
  if (limits.deadline?.expired) return limits.deadline.error();
  return undefined;
}

interface SignalEntry {
  readonly callbacks: Set<() => void>;
  readonly listener: () => void;
}

// One 'abort' listener per signal however many calls share it: a signal given to 1,000
// follow streams adds one listener (no MaxListenersExceededWarning), removed when the last
// call sharing it settles.
const entries = new WeakMap<AbortSignal, SignalEntry>();

/**
 * Run `callback` once when `signal` aborts. Returns the function that unsubscribes (call it
 * when the work settles). Must not be called with an already aborted signal (check first).
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let entry = entries.get(signal);
  if (entry === undefined) {
    const callbacks = new Set<() => void>();
    const listener = (): void => {
      entries.delete(signal);
      for (const cb of [...callbacks]) cb();
      callbacks.clear();
    };
    entry = { callbacks, listener };
    entries.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  const { callbacks, listener } = entry;
  callbacks.add(callback);
  return () => {
    if (!callbacks.delete(callback) || callbacks.size > 0) return;
    if (entries.get(signal)?.listener === listener) {
      entries.delete(signal);
      signal.removeEventListener('abort', listener);
    }
  };
}

/**
 * Call `fail` once, with the call's error, when its signal aborts or its deadline passes.
 * Returns the function that stops watching (idempotent); call it when the work settles so
 * no timer or listener outlives it. Check `callEnded` first; limits that ended in between
 * still fail, on the next microtask (a passed deadline: on its timer).
 *
 * @param unref the deadline timer does not keep the process alive (streams given `unref`)
 */
export function watchCall(limits: CallLimits, endpoint: string | undefined, fail: (error: DockerError) => void, unref = false): () => void {
  const { signal, deadline, operation } = limits;
  if (signal === undefined && deadline === undefined) return noop;
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  let unlisten: (() => void) | undefined;
  const stop = (): void => {
    if (done) return;
    done = true;
    if (timer !== undefined) clearTimeout(timer);
    unlisten?.();
  };
  if (deadline !== undefined) {
    timer = setTimeout(() => {
      stop();
      fail(deadline.error());
    }, deadline.remaining());
    if (unref) timer.unref();
  }
  if (signal !== undefined) {
    const onSignal = (): void => {
      stop();
      fail(abortError(signal, operation, endpoint));
    };
    // Aborted in the instant since the caller checked: no 'abort' event will come, so fail
    // on the next microtask (never synchronously: the caller is still setting up).
    if (signal.aborted) queueMicrotask(() => !done && onSignal());
    else unlisten = onAbort(signal, onSignal);
  }
  return stop;
}

/**
 * Wait for `promise`, but reject as soon as the call's signal aborts or its deadline
 * passes (the promise itself is left to settle on its own).
 */
export function raceCall<T>(promise: Promise<T>, limits: CallLimits, endpoint?: string): Promise<T> {
  if (limits.signal === undefined && limits.deadline === undefined) return promise;
  const ended = callEnded(limits, endpoint);
  if (ended) {
    promise.then(noop, noop);
    return Promise.reject(ended);
  }
  return new Promise<T>((resolve, reject) => {
    const stop = watchCall(limits, endpoint, reject);
    promise.then(
      (value) => {
        stop();
        resolve(value);
      },
      (err: unknown) => {
        stop();
        reject(err);
      },
    );
  });
}

/**
 * Sleep `ms`, but never past the call's deadline (then reject with its TimeoutError when
 * it passes) and reject at once when its signal aborts.
 */
export function sleepWithin(ms: number, limits: CallLimits): Promise<void> {
  const ended = callEnded(limits);
  if (ended) return Promise.reject(ended);
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const stop = watchCall(limits, undefined, (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // The deadline comes first: watchCall's timer rejects with its TimeoutError then.
    if (limits.deadline !== undefined && limits.deadline.remaining() <= ms) return;
    timer = setTimeout(() => {
      stop();
      resolve();
    }, ms);
  });
}

function noop(): void {}
