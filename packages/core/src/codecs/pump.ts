import { Readable, type Writable } from 'node:stream';
import { abortError, onAbort } from '../abort.js';
import { readDirect, type DirectReader } from '../direct-read.js';
import { DockerError } from '../errors.js';

export interface PumpOutputs {
  stdout: Writable | null;
  stderr: Writable | null;
}

export interface PumpSpec {
  /** Names the caller in errors ("demuxStream aborted"). */
  name: string;
  signal: AbortSignal | undefined;
  end: boolean | undefined;
  /**
   * Hands one source chunk to the outputs (synchronously; may throw a codec error). A
   * `lent` chunk is valid only during the call: copy what is written (direct-read.ts).
   */
  consume: (chunk: Buffer | Uint8Array, lent: boolean) => void;
  /** Runs once the source ended cleanly (may throw: a frame cut short). */
  finish: () => void;
}

/**
 * The loop behind demuxStream and copyStream: read `source` to its end, hand each chunk to
 * `consume`, and before reading on wait for 'drain' on every output whose buffer is full.
 * One failure slot: an abort, an output that errors or closes early, wakes whatever is
 * being awaited. On failure the source is closed and the outputs are left as they are.
 */
export async function pump(source: AsyncIterable<Buffer | Uint8Array>, outputs: PumpOutputs, spec: PumpSpec): Promise<void> {
  const { signal, name } = spec;
  if (signal?.aborted) throw abortError(signal, name);
  // A Readable (every stream dockline hands out) is read in flowing mode: a chunk is
  // consumed in its 'data' event, with no promise or microtask per chunk; an async
  // iterator costs several of each, which is most of a followed log line's CPU.
  if (source instanceof Readable) return pumpReadable(source, outputs, spec);
  const targets = targetsOf(outputs);
  const label = (w: Writable): string => labelOf(outputs, w);

  let failure: unknown;
  let wake: ((error: unknown) => void) | null = null;
  const fail = (error: unknown): void => {
    if (failure !== undefined) return;
    failure = error;
    wake?.(error);
  };

  // core's onAbort: one listener per signal however many streams share it.
  const unlisten = signal !== undefined ? onAbort(signal, () => fail(abortError(signal, name))) : undefined;
  const detach: (() => void)[] = [];
  for (const w of targets) {
    const onError = (err: unknown): void => fail(failedError(name, label(w), err));
    const onClose = (): void => {
      if (!w.writableFinished) fail(closedError(name, w, label(w)));
    };
    w.on('error', onError);
    w.on('close', onClose);
    detach.push(() => {
      w.off('error', onError);
      w.off('close', onClose);
    });
  }

  const wait = <T>(start: (resolve: (value: T) => void, reject: (error: unknown) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (failure !== undefined) {
        reject(failure);
        return;
      }
      wake = reject;
      start(resolve, reject);
    });

  const iterator = source[Symbol.asyncIterator]();
  let sourceDone = false;
  let pulling = false;
  try {
    for (;;) {
      pulling = true;
      const result = await wait<IteratorResult<Buffer | Uint8Array>>((resolve, reject) => {
        iterator.next().then(resolve, reject);
      }).finally(() => {
        wake = null;
      });
      pulling = false;
      if (result.done === true) {
        sourceDone = true;
        break;
      }
      spec.consume(result.value, false);
      if (failure !== undefined) throw failure;
      for (const w of targets) {
        if (w.destroyed) fail(closedError(name, w, label(w)));
        else if (w.writableNeedDrain) await waitForEvent(w, 'drain');
      }
      if (failure !== undefined) throw failure;
    }
    spec.finish();
    if (spec.end === true) {
      for (const w of targets) w.end();
      for (const w of targets) if (!w.writableFinished) await waitForEvent(w, 'finish');
    }
    if (failure !== undefined) throw failure;
  } catch (error) {
    if (!sourceDone) closeSource(source, iterator, pulling);
    throw error;
  } finally {
    unlisten?.();
    for (const off of detach) off();
  }

  function waitForEvent(w: Writable, event: 'drain' | 'finish'): Promise<void> {
    let listener: (() => void) | undefined;
    return wait<void>((resolve) => {
      listener = resolve;
      w.on(event, listener);
    }).finally(() => {
      wake = null;
      if (listener !== undefined) w.off(event, listener);
    });
  }
}

/** pump() for a Readable: the same contract, driven by its events (see pump). */
function pumpReadable(source: Readable, outputs: PumpOutputs, spec: PumpSpec): Promise<void> {
  const { signal, name } = spec;
  const targets = targetsOf(outputs);
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let draining = 0;
    // Set when the source hands its chunks over directly (direct-read.ts), not as 'data' events.
    let direct: DirectReader | undefined;
    const cleanup: (() => void)[] = [];
    const listen = (emitter: NodeJS.EventEmitter, event: string, fn: Parameters<NodeJS.EventEmitter['on']>[1]): void => {
      emitter.on(event, fn);
      cleanup.push(() => emitter.off(event, fn));
    };
    const settle = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      for (const off of cleanup) off();
      if (error === undefined) {
        resolve();
        return;
      }
      if (!source.readableEnded && !source.destroyed) source.destroy();
      reject(error);
    };
    const onDrain = (): void => {
      if (--draining > 0 || settled) return;
      if (direct !== undefined) direct.resume();
      else source.resume();
    };
    /** Consumes one chunk; false when an output is full (the source waits for 'drain'). */
    const onData = (chunk: Buffer | Uint8Array, lent: boolean): boolean => {
      try {
        spec.consume(chunk, lent);
      } catch (error) {
        settle(error);
        return false;
      }
      for (const w of targets) {
        if (w.destroyed) {
          settle(closedError(name, w, labelOf(outputs, w)));
          return false;
        }
        if (w.writableNeedDrain) {
          draining++;
          w.once('drain', onDrain);
        }
      }
      return draining === 0;
    };
    const onEnd = (): void => {
      try {
        spec.finish();
      } catch (error) {
        settle(error);
        return;
      }
      if (spec.end !== true) {
        settle();
        return;
      }
      let finishing = 0;
      for (const w of targets) {
        w.end();
        if (!w.writableFinished) {
          finishing++;
          listen(w, 'finish', () => {
            if (--finishing === 0) settle();
          });
        }
      }
      if (finishing === 0) settle();
    };
    // One entry for every drain wait of the stream's life (a slow consumer makes many).
    cleanup.push(() => {
      for (const w of targets) w.off('drain', onDrain);
    });
    if (signal !== undefined) cleanup.push(onAbort(signal, () => settle(abortError(signal, name))));
    for (const w of targets) {
      listen(w, 'error', (err: unknown) => settle(failedError(name, labelOf(outputs, w), err)));
      listen(w, 'close', () => {
        if (!w.writableFinished) settle(closedError(name, w, labelOf(outputs, w)));
      });
    }
    listen(source, 'error', (err: unknown) => settle(err));
    listen(source, 'close', () => {
      if (!source.readableEnded) settle(prematureClose(name));
    });
    // A source already over emits nothing more: settle from its state, as its iterator would.
    if (source.errored) settle(source.errored);
    else if (source.readableEnded) onEnd();
    else if (source.destroyed) settle(prematureClose(name));
    if (settled) return;
    listen(source, 'end', onEnd);
    direct = readDirect(source, onData);
    if (direct === undefined) {
      listen(source, 'data', (chunk: Buffer | Uint8Array) => {
        if (!onData(chunk, false)) source.pause();
      });
    }
  });
}

export interface CopyStreamOptions {
  /** End the destination (and wait for it to finish) once the source ended cleanly. Default false. */
  end?: boolean | undefined;
  /** Aborting rejects with an AbortError and stops reading (and destroys a Readable source). */
  signal?: AbortSignal | undefined;
}

/**
 * Copies bytes from `source` to `dest` untouched (a TTY's output, which is not
 * multiplexed), with the contract of `demuxStream`: backpressure ('drain' before
 * reading on), `dest` never ended (unless `end`) or destroyed, and a failing or closed
 * `dest`, an abort or a source error rejects and closes the source. A null `dest`
 * discards (the source is still read to its end).
 */
export function copyStream(
  source: AsyncIterable<Buffer | Uint8Array>,
  dest: Writable | null | undefined,
  options: CopyStreamOptions = {},
): Promise<void> {
  const w = dest ?? null;
  return pump(source, { stdout: w, stderr: null }, {
    name: 'copyStream',
    signal: options.signal,
    end: options.end,
    consume: (chunk, lent) => {
      if (w !== null && !w.destroyed) w.write(lent ? Buffer.from(chunk) : chunk);
    },
    finish: () => undefined,
  });
}

function closeSource(source: unknown, iterator: AsyncIterator<unknown>, pulling: boolean): void {
  // With a next() pending, an async generator queues return() behind it (possibly forever):
  // destroy a Readable source so that the read settles and the socket is released.
  if (pulling) {
    const s = source as { destroy?: unknown; destroyed?: unknown };
    if (typeof s.destroy === 'function' && s.destroyed !== true) (s.destroy as () => void)();
  }
  try {
    const r = iterator.return?.();
    if (r !== undefined) r.then(undefined, () => undefined);
  } catch {
    // The source's return() failing must not mask the original error.
  }
}


function targetsOf({ stdout, stderr }: PumpOutputs): Writable[] {
  const targets: Writable[] = [];
  if (stdout !== null) targets.push(stdout);
  if (stderr !== null && stderr !== stdout) targets.push(stderr);
  return targets;
}

function labelOf({ stdout, stderr }: PumpOutputs, w: Writable): string {
  return w === stdout && w === stderr ? 'the stdout/stderr destination' : w === stdout ? 'the stdout destination' : 'the stderr destination';
}

function prematureClose(name: string): DockerError {
  return new DockerError(`${name}: the source was closed before its end`);
}

function failedError(name: string, label: string, cause: unknown): DockerError {
  return new DockerError(`${name}: ${label} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}

function closedError(name: string, w: Writable, label: string): DockerError {
  if (w.errored) return failedError(name, label, w.errored);
  return new DockerError(`${name}: ${label} was closed before the stream ended`);
}
