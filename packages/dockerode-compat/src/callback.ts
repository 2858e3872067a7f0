/** A dockerode callback: `(err, result)`. */
export type Callback<T> = (err: unknown, result?: T) => void;

/**
 * dockerode's calling convention: when the last argument is a function it is the callback
 * (and the method returns undefined), else a Promise is returned. The callback is called on
 * a later tick, outside the promise chain, so an exception it throws surfaces as an
 * uncaught exception (as with dockerode) rather than an unhandled rejection.
 */
export function dual<T>(args: ArrayLike<unknown>, run: (...rest: unknown[]) => Promise<T>): Promise<T> | undefined {
  const list = Array.from(args);
  const last = list[list.length - 1];
  const callback = typeof last === 'function' ? (list.pop() as Callback<T>) : undefined;
  let promise: Promise<T>;
  try {
    promise = run(...list);
  } catch (err) {
    promise = Promise.reject(err);
  }
  if (!callback) return promise;
  promise.then(
    (value) => process.nextTick(callback, null, value),
    (err: unknown) => process.nextTick(callback, err),
  );
  return undefined;
}

/** dockerode's per-call `abortSignal` option, as dockline's call options. */
export function callOptionsOf(opts: unknown): { signal?: AbortSignal } {
  const signal = opts && typeof opts === 'object' ? (opts as { abortSignal?: AbortSignal }).abortSignal : undefined;
  return signal ? { signal } : {};
}

/** A copy of dockerode-style options without the keys that are not query parameters. */
export function queryOf(opts: unknown, ...drop: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!opts || typeof opts !== 'object') return out;
  for (const [k, v] of Object.entries(opts as Record<string, unknown>)) {
    if (k === 'abortSignal' || k === 'authconfig' || k === 'registryconfig' || k === 'id' || k === '_query' || k === '_body' || drop.includes(k)) continue;
    out[k] = v;
  }
  return out;
}
