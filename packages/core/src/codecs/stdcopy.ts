/**
 * The Docker "stdcopy" multiplexing format (attach, logs and exec streams of containers
 * started without a TTY).
 *
 * Each frame is an 8-byte header followed by `size` payload bytes:
 *
 *     [streamType: uint8, 0, 0, 0, size: uint32 big-endian] payload...
 *
 * Stream 0 = stdin, 1 = stdout, 2 = stderr, 3 = systemerr (the payload is an error message
 * from the daemon; the stream ends with it).
 *
 * The demuxer is a push-style state machine: it never concatenates the backlog, never holds
 * a payload (a frame announcing 4 GiB costs nothing), keeps at most 7 pending header bytes,
 * and hands out zero-copy views into the chunks it is given.
 */
import type { Writable } from 'node:stream';
import { AbortError, DockerError, ProtocolError, ServerError } from '../errors.js';
import { toBuffer } from './bytes.js';

/** The data-carrying stream ids of a stdcopy frame header (byte 0). */
export type StdStream = 0 | 1 | 2;
/** Named stream ids: `StdStream.Stdout === 1`. */
export const StdStream = { Stdin: 0, Stdout: 1, Stderr: 2 } as const;

const HEADER_BYTES = 8;
const SYSTEMERR = 3;
/** Longest systemerr message kept; the rest of such a frame is consumed and dropped. */
const MAX_SYSTEMERR_BYTES = 64 * 1024;
const STREAM_NAMES = ['stdin', 'stdout', 'stderr', 'systemerr'] as const;

export interface StdcopyDemuxerOptions {
  /**
   * Coalesce the payloads of consecutive frames of the same stream that lie within one pushed
   * chunk into a single `onData` call (default `true`). A run made of one piece is still passed
   * as a zero-copy view; a run of several pieces is copied once into a fresh buffer (the headers
   * in between make a single view impossible). Piece boundaries never cross a `push()`.
   */
  batch?: boolean | undefined;
}

export type StdcopyDataListener = (stream: StdStream, chunk: Buffer) => void;

export class StdcopyDemuxer {
  readonly #onData: StdcopyDataListener;
  readonly #batch: boolean;
  /** Pending bytes of a frame header split across chunks (at most 7 are ever kept). */
  readonly #header = Buffer.alloc(HEADER_BYTES);
  #headerLen = 0;
  /** Stream type of the current frame (0..3). */
  #stream = 0;
  /** Payload bytes still to come in the current frame. */
  #remaining = 0;
  #frameSize = 0;
  /** Absolute stream offset of the current frame's header. */
  #frameOffset = 0;
  /** Absolute stream offset of the start of the chunk being pushed. */
  #offset = 0;
  /** Collected systemerr message (bounded by MAX_SYSTEMERR_BYTES). */
  #sysErr: Buffer[] = [];
  #sysErrLen = 0;
  /** Batch mode: [start, end) ranges of the current run within the chunk being pushed. */
  readonly #runRanges: number[] = [];
  #runStream = -1;
  #runBytes = 0;
  #ended = false;
  #failed = false;
  #failure: unknown = undefined;

  constructor(onData: StdcopyDataListener, options: StdcopyDemuxerOptions = {}) {
    this.#onData = onData;
    this.#batch = options.batch ?? true;
  }

  /**
   * Consumes one chunk, calling `onData` synchronously for every payload piece it completes.
   * Payload data preceding an error in the same chunk is delivered before the error is thrown.
   * Chunks handed to `onData` are views into `chunk` (or, for a batched run of several
   * frames, a fresh copy); they must not be mutated.
   *
   * @throws ProtocolError for an unknown stream type.
   * @throws ServerError when a systemerr frame completes (`daemonMessage` is its text).
   * Once it has thrown, the demuxer rethrows the same error on every later call.
   */
  push(chunk: Uint8Array): void {
    if (this.#failed) throw this.#failure;
    if (this.#ended) throw new DockerError('StdcopyDemuxer.push() called after end()');
    const buf = toBuffer(chunk, 'StdcopyDemuxer');
    if (buf.length === 0) return;
    try {
      this.#consume(buf);
    } catch (error) {
      this.#failed = true;
      this.#failure = error;
      this.#runRanges.length = 0;
      throw error;
    }
  }

  /**
   * Declares the end of the input.
   * @throws ProtocolError when the input stopped inside a frame (header or payload).
   */
  end(): void {
    if (this.#failed) throw this.#failure;
    if (this.#ended) return;
    this.#ended = true;
    let error: ProtocolError | undefined;
    if (this.#headerLen > 0) {
      error = new ProtocolError(
        `stdcopy stream ended inside a frame header at byte offset ${this.#offset - this.#headerLen}: ` +
          `expected ${HEADER_BYTES} header bytes, received ${this.#headerLen}`,
      );
    } else if (this.#remaining > 0) {
      error = new ProtocolError(
        `stdcopy stream ended inside a ${STREAM_NAMES[this.#stream] ?? 'unknown'} frame at byte offset ${this.#frameOffset}: ` +
          `expected ${this.#frameSize} payload bytes, received ${this.#frameSize - this.#remaining}`,
      );
    }
    if (error !== undefined) {
      this.#failed = true;
      this.#failure = error;
      throw error;
    }
  }

  /** True between frames (no partial header or payload pending). */
  get idle(): boolean {
    return this.#headerLen === 0 && this.#remaining === 0;
  }

  #consume(chunk: Buffer): void {
    const len = chunk.length;
    const batch = this.#batch;
    let pos = 0;
    let stream = this.#stream;
    let remaining = this.#remaining;
    let error: DockerError | undefined;

    while (pos < len) {
      if (remaining > 0) {
        // Payload (possibly continuing from an earlier chunk): emit what this chunk holds.
        const avail = len - pos;
        const take = remaining < avail ? remaining : avail;
        const end = pos + take;
        if (stream === SYSTEMERR) {
          this.#collectSysErr(chunk, pos, end);
        } else if (batch) {
          if (stream !== this.#runStream) {
            if (this.#runStream !== -1) this.#flushRun(chunk);
            this.#runStream = stream;
          }
          this.#runRanges.push(pos, end);
          this.#runBytes += take;
        } else {
          this.#onData(stream as StdStream, chunk.subarray(pos, end));
        }
        pos = end;
        remaining -= take;
        if (remaining === 0 && stream === SYSTEMERR) {
          error = this.#systemError();
          break;
        }
        continue;
      }

      // At a frame header.
      let type: number;
      let size: number;
      const headerLen = this.#headerLen;
      if (headerLen === 0 && len - pos >= HEADER_BYTES) {
        // Fast path: the whole header lies in this chunk.
        type = chunk[pos]!;
        size = chunk[pos + 4]! * 0x1000000 + ((chunk[pos + 5]! << 16) | (chunk[pos + 6]! << 8) | chunk[pos + 7]!);
        pos += HEADER_BYTES;
      } else {
        // The header is split across chunks: gather at most 8 bytes.
        const header = this.#header;
        let n = headerLen;
        while (n < HEADER_BYTES && pos < len) header[n++] = chunk[pos++]!;
        if (n < HEADER_BYTES) {
          this.#headerLen = n;
          break;
        }
        this.#headerLen = 0;
        type = header[0]!;
        size = header[4]! * 0x1000000 + ((header[5]! << 16) | (header[6]! << 8) | header[7]!);
      }
      const frameOffset = this.#offset + pos - HEADER_BYTES;
      if (type > SYSTEMERR) {
        error = new ProtocolError(
          `unknown stdcopy stream type 0x${type.toString(16).padStart(2, '0')} (${type}) in the frame header at byte offset ${frameOffset}; ` +
            'expected 0 (stdin), 1 (stdout), 2 (stderr) or 3 (systemerr). Is this a TTY stream, which is not multiplexed?',
        );
        break;
      }
      stream = type;
      remaining = size;
      this.#frameSize = size;
      this.#frameOffset = frameOffset;
      if (type === SYSTEMERR) {
        this.#sysErr = [];
        this.#sysErrLen = 0;
        if (size === 0) {
          error = this.#systemError();
          break;
        }
      }
    }

    this.#stream = stream;
    this.#remaining = remaining;
    this.#offset += len;
    if (this.#runStream !== -1) this.#flushRun(chunk);
    if (error !== undefined) throw error;
  }

  /** Emits the current batched run (all its ranges lie in `chunk`). */
  #flushRun(chunk: Buffer): void {
    const ranges = this.#runRanges;
    const stream = this.#runStream as StdStream;
    const count = ranges.length;
    let out: Buffer;
    if (count === 2) {
      out = chunk.subarray(ranges[0]!, ranges[1]!);
    } else {
      out = Buffer.allocUnsafe(this.#runBytes);
      let at = 0;
      for (let i = 0; i < count; i += 2) {
        const start = ranges[i]!;
        const end = ranges[i + 1]!;
        if (end - start <= 64) {
          // A short copy is cheaper as a loop than as a native call.
          for (let k = start; k < end; k++) out[at++] = chunk[k]!;
        } else {
          at += chunk.copy(out, at, start, end);
        }
      }
    }
    ranges.length = 0;
    this.#runBytes = 0;
    this.#runStream = -1;
    this.#onData(stream, out);
  }

  #collectSysErr(chunk: Buffer, start: number, end: number): void {
    const room = MAX_SYSTEMERR_BYTES - this.#sysErrLen;
    if (room <= 0) return;
    const stop = end - start > room ? start + room : end;
    // Copied: a message may span chunks, and the caller may reuse its buffers.
    this.#sysErr.push(Buffer.from(chunk.subarray(start, stop)));
    this.#sysErrLen += stop - start;
  }

  #systemError(): ServerError {
    const message = Buffer.concat(this.#sysErr, this.#sysErrLen).toString('utf8').trimEnd();
    this.#sysErr = [];
    this.#sysErrLen = 0;
    return new ServerError(`error from daemon in stream: ${message}`, { daemonMessage: message });
  }
}

export interface DemuxStreamOutputs {
  /** Receives stdout (and stdin-typed) frames; absent or null discards them. */
  stdout?: Writable | null | undefined;
  /** Receives stderr frames; absent or null discards them. */
  stderr?: Writable | null | undefined;
}

export interface DemuxStreamOptions {
  /** End the destinations (and wait for them to finish) once the source ended cleanly. Default false. */
  end?: boolean | undefined;
  /** Aborting rejects with an AbortError and stops reading (and destroys a Readable source). */
  signal?: AbortSignal | undefined;
  /** See {@link StdcopyDemuxerOptions.batch}. Default true. */
  batch?: boolean | undefined;
}

/**
 * Pipes a multiplexed stream (a Readable or any `AsyncIterable` of bytes) into stdout/stderr
 * Writables, with backpressure: after each source chunk, a destination whose `write()` reported
 * a full buffer is awaited (`'drain'`) before the next chunk is read. Stdin frames go to stdout,
 * as in Docker's own `stdcopy.StdCopy`.
 *
 * Resolves when the source ended and every payload byte was handed to its destination (and,
 * with `{ end: true }`, the destinations finished). Rejects with the codec error (ProtocolError,
 * or ServerError for a systemerr frame), an AbortError, a DockerError wrapping a destination's
 * failure (as `cause`), or the source's own error. Destinations are never ended or destroyed on
 * failure; the source is closed (its iterator's `return()`, and `destroy()` for a Readable that
 * was being read).
 */
export async function demuxStream(
  source: AsyncIterable<Buffer | Uint8Array>,
  outputs: DemuxStreamOutputs,
  options: DemuxStreamOptions = {},
): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);

  const stdout = outputs.stdout ?? null;
  const stderr = outputs.stderr ?? null;
  const targets: Writable[] = [];
  if (stdout !== null) targets.push(stdout);
  if (stderr !== null && stderr !== stdout) targets.push(stderr);
  const label = (w: Writable): string =>
    w === stdout && w === stderr ? 'the stdout/stderr destination' : w === stdout ? 'the stdout destination' : 'the stderr destination';

  // One failure slot; whatever is being awaited (source or drain or finish) is woken by it.
  let failure: unknown;
  let wake: ((error: unknown) => void) | null = null;
  const fail = (error: unknown): void => {
    if (failure !== undefined) return;
    failure = error;
    wake?.(error);
  };

  const onAbort = (): void => fail(abortError(signal!));
  signal?.addEventListener('abort', onAbort, { once: true });
  const detach: (() => void)[] = [];
  for (const w of targets) {
    const onError = (err: unknown): void =>
      fail(new DockerError(`demuxStream: ${label(w)} failed: ${errorMessage(err)}`, { cause: err }));
    const onClose = (): void => {
      if (!w.writableFinished) fail(closedError(w, label(w)));
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

  const demuxer = new StdcopyDemuxer(
    (stream, chunk) => {
      const w = stream === 2 ? stderr : stdout;
      if (w !== null) w.write(chunk);
    },
    { batch: options.batch ?? true },
  );

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
      demuxer.push(result.value);
      if (failure !== undefined) throw failure;
      for (const w of targets) {
        if (w.destroyed) fail(closedError(w, label(w)));
        else if (w.writableNeedDrain) await waitForEvent(w, 'drain');
      }
      if (failure !== undefined) throw failure;
    }
    demuxer.end();
    if (options.end === true) {
      for (const w of targets) w.end();
      for (const w of targets) if (!w.writableFinished) await waitForEvent(w, 'finish');
    }
    if (failure !== undefined) throw failure;
  } catch (error) {
    if (!sourceDone) closeSource(source, iterator, pulling);
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
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

function abortError(signal: AbortSignal): AbortError {
  return new AbortError('demuxStream aborted', { cause: signal.reason });
}

function closedError(w: Writable, label: string): DockerError {
  const cause = w.errored ?? undefined;
  return new DockerError(`demuxStream: ${label} was closed before the stream ended`, { cause });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
