import { ProtocolError } from '../errors.js';

const enum State {
  Size,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerLineStart,
  TrailerLine,
  TrailerEndLf,
  Done,
}

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
 * holds ~1,400 chunks; decoding it allocates nothing.
 */
export class ChunkedDecoder {
  #state = State.Size;
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
    return this.#state === State.Done;
  }

  /**
   * The payload bytes in `input`. Bytes after the end of the body are ignored. `input` is
   * the decoder's to change: when it holds several pieces of payload they are moved to its
   * front (no allocation) and a view of them is returned.
   * @throws ProtocolError for malformed framing.
   */
  decode(input: Buffer): Buffer {
    const n = input.length;
    let i = 0;
    // Pieces of payload: the first is kept as a range; a second one switches to copying.
    let firstStart = -1;
    let firstEnd = -1;
    let compacting = false;
    let o = 0;
    while (i < n) {
      switch (this.#state) {
        case State.Size: {
          const b = input[i++]!;
          const digit = hexValue(b);
          if (digit >= 0) {
            if (++this.#digits > MAX_SIZE_DIGITS) throw this.#malformed('chunk size too large');
            this.#size = this.#size * 16 + digit;
          } else if (b === CR && this.#digits > 0) {
            this.#state = State.SizeLf;
          } else if (b === 0x3b /* ; */ && this.#digits > 0) {
            this.#state = State.Extension;
          } else {
            throw this.#malformed(`unexpected byte 0x${b.toString(16).padStart(2, '0')} in a chunk size`);
          }
          break;
        }
        case State.Extension:
          if (input[i++] === CR) this.#state = State.SizeLf;
          break;
        case State.SizeLf:
          if (input[i++] !== LF) throw this.#malformed('chunk size line not ended by CRLF');
          if (this.#size === 0) {
            this.#state = State.TrailerLineStart;
          } else {
            this.#remaining = this.#size;
            this.#chunks++;
            this.#payloadBytes += this.#size;
            this.#state = State.Data;
          }
          this.#size = 0;
          this.#digits = 0;
          break;
        case State.Data: {
          const take = Math.min(this.#remaining, n - i);
          const start = i;
          i += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = State.DataCr;
          if (firstStart < 0) {
            firstStart = start;
            firstEnd = i;
          } else {
            // A second piece: compact the payload to the front of the input, in place
            // (the write position never passes the read position).
            if (!compacting) {
              compacting = true;
              input.copyWithin(0, firstStart, firstEnd);
              o = firstEnd - firstStart;
            }
            input.copyWithin(o, start, i);
            o += i - start;
          }
          break;
        }
        case State.DataCr:
          if (input[i++] !== CR) throw this.#malformed('chunk data longer than its size');
          this.#state = State.DataLf;
          break;
        case State.DataLf:
          if (input[i++] !== LF) throw this.#malformed('chunk data not ended by CRLF');
          this.#state = State.Size;
          break;
        case State.TrailerLineStart:
          this.#state = input[i++] === CR ? State.TrailerEndLf : State.TrailerLine;
          break;
        case State.TrailerLine:
          if (input[i++] === LF) this.#state = State.TrailerLineStart;
          break;
        case State.TrailerEndLf:
          if (input[i++] !== LF) throw this.#malformed('trailer section not ended by CRLF');
          this.#state = State.Done;
          break;
        case State.Done:
          i = n;
          break;
      }
    }
    if (compacting) return input.subarray(0, o);
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
