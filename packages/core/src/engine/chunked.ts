import { ProtocolError } from '../errors.js';

// The decoder's states: plain constants, which optimized code inlines (an enum is an object
// whose properties are loaded on every use).
const SIZE = 0;
const EXTENSION = 1;
const SIZE_LF = 2;
const DATA = 3;
const DATA_CR = 4;
const DATA_LF = 5;
const TRAILER_LINE_START = 6;
const TRAILER_LINE = 7;
const TRAILER_END_LF = 8;
const DONE = 9;

const CR = 13;
const LF = 10;
/** 12 hex digits: a chunk of up to 256 TiB; anything longer is not a Docker daemon. */
const MAX_SIZE_DIGITS = 12;

/**
 * Incremental decoder of an HTTP/1.1 chunked body (RFC 9112 §7.1): feed it the bytes as
 * they arrive, get back the payload they carry. Chunk extensions and trailers are skipped.
 *
 * One output per input, always a view of the input: the payload pieces are compacted to
 * its front in place. The daemon sends each log line as its own chunk, so a 64 KiB read
 * holds ~1,400 chunks; decoding it allocates nothing per chunk.
 */
export class ChunkedDecoder {
  #state: number = SIZE;
  #size = 0;
  #digits = 0;
  #remaining = 0;
  #chunks = 0;
  #payloadBytes = 0;
  readonly #what: string;

  /** @param what names the body in errors, e.g. "ContainerLogs". */
  constructor(what: string) {
    this.#what = what;
  }

  /** The average payload size of the chunks begun so far (0 before the first). */
  get averageChunk(): number {
    return this.#chunks === 0 ? 0 : this.#payloadBytes / this.#chunks;
  }

  /** The terminating zero-size chunk and the trailer section have been read. */
  get done(): boolean {
    return this.#state === DONE;
  }

  /**
   * The payload bytes in `input`. Bytes after the end of the body are ignored. `input` is
   * the decoder's to change: when it holds several pieces of payload they are moved to its
   * front (no allocation) and a view of them is returned.
   * @throws ProtocolError for malformed framing.
   */
  decode(input: Buffer): Buffer {
    const n = input.length;
    // The state lives in locals while the input is read (fields cost a load and a store per
    // byte), and is saved at the end.
    let state = this.#state;
    let size = this.#size;
    let digits = this.#digits;
    let remaining = this.#remaining;
    let chunks = 0;
    let payloadBytes = 0;
    let i = 0;
    // Pieces of payload: the first is kept as a range [firstStart, firstEnd); from the
    // second on they are moved to the front and the payload is [0, o).
    let firstStart = -1;
    let firstEnd = -1;
    let o = -1;
    while (i < n) {
      // The piece of payload this step takes, if any: [start, end).
      let start = -1;
      let end = 0;
      if (state === SIZE && digits === 0) {
        // Fast path: a whole chunk (size line without extension, data, CRLF) in the input,
        // as the daemon writes a log line. Anything else goes through the states below.
        let j = i;
        let chunkSize = 0;
        let digit = 0;
        while (j < n && j - i < MAX_SIZE_DIGITS && (digit = hexValue(input[j]!)) >= 0) {
          chunkSize = chunkSize * 16 + digit;
          j++;
        }
        const dataStart = j + 2;
        const dataEnd = dataStart + chunkSize;
        if (chunkSize > 0 && dataEnd + 2 <= n && input[j] === CR && input[j + 1] === LF && input[dataEnd] === CR && input[dataEnd + 1] === LF) {
          chunks++;
          payloadBytes += chunkSize;
          start = dataStart;
          end = dataEnd;
          i = dataEnd + 2;
        }
      }
      if (start < 0 && state === DATA) {
        start = i;
        end = i + Math.min(remaining, n - i);
        remaining -= end - start;
        i = end;
        if (remaining === 0) state = DATA_CR;
      }
      if (start >= 0) {
        if (firstStart < 0) {
          firstStart = start;
          firstEnd = end;
          continue;
        }
        if (o < 0) {
          // The write position never passes the read position.
          if (firstStart > 0) input.copyWithin(0, firstStart, firstEnd);
          o = firstEnd - firstStart;
        }
        input.copyWithin(o, start, end);
        o += end - start;
        continue;
      }
      const b = input[i++]!;
      switch (state) {
        case SIZE: {
          const digit = hexValue(b);
          if (digit >= 0) {
            if (++digits > MAX_SIZE_DIGITS) throw this.#malformed('chunk size too large');
            size = size * 16 + digit;
          } else if (b === CR && digits > 0) {
            state = SIZE_LF;
          } else if (b === 0x3b /* ; */ && digits > 0) {
            state = EXTENSION;
          } else {
            throw this.#malformed(`unexpected byte 0x${b.toString(16).padStart(2, '0')} in a chunk size`);
          }
          break;
        }
        case EXTENSION:
          if (b === CR) state = SIZE_LF;
          break;
        case SIZE_LF:
          if (b !== LF) throw this.#malformed('chunk size line not ended by CRLF');
          if (size === 0) {
            state = TRAILER_LINE_START;
          } else {
            remaining = size;
            chunks++;
            payloadBytes += size;
            state = DATA;
          }
          size = 0;
          digits = 0;
          break;
        case DATA_CR:
          if (b !== CR) throw this.#malformed('chunk data longer than its size');
          state = DATA_LF;
          break;
        case DATA_LF:
          if (b !== LF) throw this.#malformed('chunk data not ended by CRLF');
          state = SIZE;
          break;
        case TRAILER_LINE_START:
          state = b === CR ? TRAILER_END_LF : TRAILER_LINE;
          break;
        case TRAILER_LINE:
          if (b === LF) state = TRAILER_LINE_START;
          break;
        case TRAILER_END_LF:
          if (b !== LF) throw this.#malformed('trailer section not ended by CRLF');
          state = DONE;
          break;
        case DONE:
          i = n;
          break;
      }
    }
    this.#state = state;
    this.#size = size;
    this.#digits = digits;
    this.#remaining = remaining;
    this.#chunks += chunks;
    this.#payloadBytes += payloadBytes;
    if (o >= 0) return input.subarray(0, o);
    return firstStart < 0 ? EMPTY : input.subarray(firstStart, firstEnd);
  }

  #malformed(why: string): ProtocolError {
    return new ProtocolError(`${this.#what}: malformed chunked response body (${why})`, { operation: this.#what });
  }
}

const EMPTY = Buffer.alloc(0);

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
