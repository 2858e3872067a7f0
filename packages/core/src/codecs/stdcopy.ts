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
 * a payload (a frame announcing 4 GiB costs nothing: its bytes are emitted as they arrive),
 * keeps at most 7 pending header bytes, and hands out zero-copy views into the chunks it is
 * given (except that, by default, short payloads of consecutive same-stream frames in one
 * chunk are copied together into one buffer: see {@link StdcopyDemuxerOptions.batch}; and
 * a lent chunk's payload is always copied: see {@link StdcopyDemuxer.push}).
 */
import type { Writable } from 'node:stream';
import { pump } from './pump.js';
import { DockerError, ProtocolError, ServerError } from '../errors.js';
import { toBuffer } from './bytes.js';
import { redactText } from '../redact.js';

/** The data-carrying stream ids of a stdcopy frame header (byte 0). */
export type StdStream = 0 | 1 | 2;
/** Named stream ids: `StdStream.Stdout === 1`. */
export const StdStream = { Stdin: 0, Stdout: 1, Stderr: 2 } as const;

const HEADER_BYTES = 8;
const SYSTEMERR = 3;
/** Longest systemerr message kept; the rest of such a frame is consumed and dropped. */
const MAX_SYSTEMERR_BYTES = 64 * 1024;
/** Batching copies payload pieces up to this size; longer ones are passed as views. */
const BATCH_MAX_PIECE = 2048;
/** Up to this size a copy is cheaper through DataViews than through a native call. */
const SHORT_COPY = 112;
const STREAM_NAMES = ['stdin', 'stdout', 'stderr', 'systemerr'] as const;

export interface StdcopyDemuxerOptions {
  /**
   * Coalesce small payloads (up to 2 KiB each) of consecutive frames of the same stream that lie
   * within one pushed chunk into one `onData` call (default `true`). A run of one piece is passed
   * as a zero-copy view; the pieces of a longer run are copied back to back into one buffer (at
   * most one allocation per chunk, no larger than the chunk). Larger pieces are always passed
   * as views. Every `onData` call (a `Writable.write()`, usually) costs far more than copying a
   * short payload. With `false`, every payload piece is passed as a view into the pushed chunk.
   * Either way the order of the emitted bytes across streams is the order of the input.
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
   * frames, into a fresh buffer); they must not be mutated.
   *
   * @param lent `chunk` is a reused read buffer, valid only until this call returns: every
   *   payload byte is copied, into one fresh buffer per call (each run of consecutive
   *   frames of one stream is one `onData` call, a view into it), and nothing refers to
   *   `chunk` afterwards. Default false.
   * @throws ProtocolError for an unknown stream type.
   * @throws ServerError when a systemerr frame completes (`daemonMessage` is its text).
   * Once it has thrown, the demuxer rethrows the same error on every later call.
   */
  push(chunk: Uint8Array, lent = false): void {
    if (this.#failed) throw this.#failure;
    if (this.#ended) throw new DockerError('StdcopyDemuxer.push() called after end()');
    const buf = toBuffer(chunk, 'StdcopyDemuxer');
    if (buf.length === 0) return;
    try {
      this.#consume(buf, lent);
    } catch (error) {
      this.#failed = true;
      this.#failure = error;
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

  #consume(chunk: Buffer, lent: boolean): void {
    const len = chunk.length;
    const onData = this.#onData;
    const batch = this.#batch;
    let pos = 0;
    let stream = this.#stream;
    let remaining = this.#remaining;
    let error: DockerError | undefined;
    // Batching state. A run of one piece is emitted as a view chunk[firstStart, firstEnd); once a
    // second piece joins it, the pieces are copied back to back into `out` (allocated at most
    // once per chunk, no larger than the rest of the chunk) and the run is out[runStart, at).
    let runStream = -1;
    let firstStart = 0;
    let firstEnd = 0;
    let copied = false;
    let out: Buffer | null = null;
    let outView: DataView | null = null;
    let chunkView: DataView | null = null;
    let at = 0;
    let runStart = 0;

    while (pos < len) {
      if (remaining > 0) {
        // Payload (possibly continuing from an earlier chunk): emit what this chunk holds.
        const avail = len - pos;
        const take = remaining < avail ? remaining : avail;
        const end = pos + take;
        if (stream === SYSTEMERR) {
          this.#collectSysErr(chunk, pos, end);
        } else if (lent) {
          // Every piece is copied: a run of one stream is out[runStart, at).
          if (out === null) {
            out = Buffer.allocUnsafe(len - pos);
            outView = new DataView(out.buffer, out.byteOffset, out.byteLength);
            chunkView = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          }
          if (stream !== runStream) {
            if (runStream !== -1) onData(runStream as StdStream, out.subarray(runStart, at));
            runStream = stream;
            runStart = at;
            copied = true;
          }
          at = copyBytes(chunk, chunkView!, pos, end, out, outView!, at);
        } else if (batch && take <= BATCH_MAX_PIECE && stream === runStream) {
          // Joins the current run.
          if (!copied) {
            if (out === null) {
              out = Buffer.allocUnsafe(len - firstStart);
              outView = new DataView(out.buffer, out.byteOffset, out.byteLength);
              chunkView = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
            }
            runStart = at;
            at = copyBytes(chunk, chunkView!, firstStart, firstEnd, out, outView!, at);
            copied = true;
          }
          at = copyBytes(chunk, chunkView!, pos, end, out!, outView!, at);
        } else {
          if (runStream !== -1) {
            onData(runStream as StdStream, copied ? out!.subarray(runStart, at) : chunk.subarray(firstStart, firstEnd));
            runStream = -1;
          }
          if (batch && take <= BATCH_MAX_PIECE) {
            runStream = stream;
            firstStart = pos;
            firstEnd = end;
            copied = false;
          } else {
            onData(stream as StdStream, chunk.subarray(pos, end));
          }
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
      if (type > SYSTEMERR) {
        error = new ProtocolError(
          `unknown stdcopy stream type 0x${type.toString(16).padStart(2, '0')} (${type}) in the frame header at byte offset ${this.#offset + pos - HEADER_BYTES}; ` +
            'expected 0 (stdin), 1 (stdout), 2 (stderr) or 3 (systemerr). Is this a TTY stream, which is not multiplexed?',
        );
        break;
      }
      stream = type;
      remaining = size;
      if (size === 0) {
        if (type === SYSTEMERR) {
          this.#sysErr = [];
          this.#sysErrLen = 0;
          error = this.#systemError();
          break;
        }
        continue; // an empty frame: legal, nothing to emit
      }
      // Only frames that can be left incomplete need their position (for end()'s message).
      this.#frameSize = size;
      this.#frameOffset = this.#offset + pos - HEADER_BYTES;
      if (type === SYSTEMERR) {
        this.#sysErr = [];
        this.#sysErrLen = 0;
      }
    }

    this.#stream = stream;
    this.#remaining = remaining;
    this.#offset += len;
    if (runStream !== -1) {
      onData(runStream as StdStream, copied ? out!.subarray(runStart, at) : chunk.subarray(firstStart, firstEnd));
    }
    if (error !== undefined) throw error;
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
    const text = redactText(message); // may echo a registry URL with credentials
    return new ServerError(`error from daemon in stream: ${text}`, { daemonMessage: text });
  }
}

/** Copies src[start, end) to dst at `at`; returns the new `at`. Four bytes at a time when short. */
function copyBytes(src: Buffer, srcView: DataView, start: number, end: number, dst: Buffer, dstView: DataView, at: number): number {
  if (end - start > SHORT_COPY) return at + src.copy(dst, at, start, end);
  for (; start + 4 <= end; start += 4, at += 4) dstView.setUint32(at, srcView.getUint32(start));
  while (start < end) dst[at++] = src[start++]!;
  return at;
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
export function demuxStream(
  source: AsyncIterable<Buffer | Uint8Array>,
  outputs: DemuxStreamOutputs,
  options: DemuxStreamOptions = {},
): Promise<void> {
  const stdout = outputs.stdout ?? null;
  const stderr = outputs.stderr ?? null;
  const demuxer = new StdcopyDemuxer(
    (stream, chunk) => {
      const w = stream === 2 ? stderr : stdout;
      if (w !== null) w.write(chunk);
    },
    { batch: options.batch ?? true },
  );
  return pump(source, { stdout, stderr }, {
    name: 'demuxStream',
    signal: options.signal,
    end: options.end,
    consume: (chunk, lent) => demuxer.push(chunk, lent),
    finish: () => demuxer.end(),
  });
}
