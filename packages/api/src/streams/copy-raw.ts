import type { Writable } from 'node:stream';
import { AbortError, DockerError } from '@dockline/core';

export interface CopyRawOptions {
  /** Aborting rejects with an AbortError and closes the source. */
  signal?: AbortSignal | undefined;
}

/**
 * Copies raw bytes (TTY output) from `source` to `dest` untouched, with backpressure: after
 * a `write()` that reported a full buffer, waits for `'drain'` before reading on. The
 * counterpart of core's `demuxStream` for streams that are not multiplexed, with the same
 * contract: `dest` is never ended or destroyed; a failing or closed `dest`, an abort, or a
 * source error rejects and closes the source. `dest` null discards (the source is still
 * read to its end).
 */
export async function copyRaw(
  source: AsyncIterable<Buffer | Uint8Array>,
  dest: Writable | null | undefined,
  options: CopyRawOptions = {},
): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) throw new AbortError('stream copy aborted', { cause: signal.reason });
  const w = dest ?? null;

  let failure: unknown;
  let wake: ((error: unknown) => void) | null = null;
  const fail = (error: unknown): void => {
    if (failure !== undefined) return;
    failure = error;
    wake?.(error);
  };
  const onAbort = (): void => fail(new AbortError('stream copy aborted', { cause: signal?.reason }));
  const onError = (err: unknown): void =>
    fail(new DockerError(`the stdout destination failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
  const onClose = (): void => {
    if (w && !w.writableFinished) fail(new DockerError('the stdout destination was closed before the stream ended', { cause: w.errored ?? undefined }));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  w?.on('error', onError);
  w?.on('close', onClose);

  const wait = <T>(start: (resolve: (value: T) => void, reject: (error: unknown) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (failure !== undefined) {
        reject(failure);
        return;
      }
      wake = reject;
      start(resolve, reject);
    }).finally(() => {
      wake = null;
    });

  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  let pulling = false;
  try {
    for (;;) {
      pulling = true;
      const result = await wait<IteratorResult<Buffer | Uint8Array>>((resolve, reject) => {
        iterator.next().then(resolve, reject);
      });
      pulling = false;
      if (result.done === true) {
        done = true;
        break;
      }
      if (w === null) continue;
      if (w.destroyed) fail(new DockerError('the stdout destination was closed before the stream ended'));
      else if (!w.write(result.value)) {
        let listener: (() => void) | undefined;
        await wait<void>((resolve) => {
          listener = resolve;
          w.on('drain', listener);
        }).finally(() => {
          if (listener) w.off('drain', listener);
        });
      }
      if (failure !== undefined) throw failure;
    }
    if (failure !== undefined) throw failure;
  } catch (error) {
    if (!done) {
      // A pending next() would keep an async generator busy: destroy a Readable source.
      const s = source as { destroy?: unknown; destroyed?: unknown };
      if (pulling && typeof s.destroy === 'function' && s.destroyed !== true) (s.destroy as () => void)();
      try {
        iterator.return?.()?.then(undefined, () => undefined);
      } catch {
        // The source's return() failing must not mask the original error.
      }
    }
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    w?.off('error', onError);
    w?.off('close', onClose);
  }
}
