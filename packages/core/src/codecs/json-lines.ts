/**
 * Newline-delimited JSON (image pull/push/build progress, events, stats).
 *
 * Lines are split on the byte 0x0A before any UTF-8 decoding (that byte never occurs inside
 * a multi-byte character), so a character split across chunks needs no special care. A line
 * split across chunks is kept as a list of pieces and joined once, when its newline arrives;
 * its length is capped so that a hostile daemon cannot make us buffer without bound.
 */
import { DockerError, ProtocolError } from '../errors.js';
import { toBuffer } from './bytes.js';

/** Default cap on one line: 16 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
const QUOTE_CHARS = 200;
const LF = 0x0a;
const CR = 0x0d;

export interface JsonLinesOptions {
  /** Longest accepted line in bytes, excluding its "\n" (default 16 MiB). */
  maxLineBytes?: number | undefined;
}

export type JsonValueListener<T> = (value: T) => void;

export class JsonLinesDecoder<T = unknown> {
  readonly #onValue: JsonValueListener<T>;
  readonly #maxLineBytes: number;
  /** Copies of the pieces of the current, incomplete line. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** 1-based number of the line being read (blank lines count), for error messages. */
  #lineNo = 1;
  #ended = false;
  #failed = false;
  #failure: unknown = undefined;

  constructor(onValue: JsonValueListener<T>, options: JsonLinesOptions = {}) {
    const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new DockerError(`JsonLinesDecoder: maxLineBytes must be a positive integer, got ${String(max)}`);
    }
    this.#onValue = onValue;
    this.#maxLineBytes = max;
  }

  /**
   * Consumes one chunk, calling `onValue` synchronously for every complete line. Blank lines
   * are skipped and a trailing "\r" is ignored. Values preceding an error in the same chunk
   * are delivered before the error is thrown.
   *
   * @throws ProtocolError for a line that is not valid JSON, or longer than `maxLineBytes`.
   * Once it has thrown, the decoder rethrows the same error on every later call.
   */
  push(chunk: Uint8Array): void {
    if (this.#failed) throw this.#failure;
    if (this.#ended) throw new DockerError('JsonLinesDecoder.push() called after end()');
    const buf = toBuffer(chunk, 'JsonLinesDecoder');
    try {
      this.#consume(buf);
    } catch (error) {
      this.#fail(error);
      throw error;
    }
  }

  /** Declares the end of the input; a final line without "\n" is decoded now. */
  end(): void {
    if (this.#failed) throw this.#failure;
    if (this.#ended) return;
    this.#ended = true;
    if (this.#pendingBytes === 0) return;
    const line = this.#takePending(null, 0, 0);
    try {
      this.#decode(line, 0, line.length);
    } catch (error) {
      this.#fail(error);
      throw error;
    }
  }

  #consume(chunk: Buffer): void {
    const len = chunk.length;
    const max = this.#maxLineBytes;
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, pos);
      if (nl === -1) break;
      if (this.#pendingBytes === 0) {
        if (nl - pos > max) throw this.#tooLong(nl - pos, true);
        this.#decode(chunk, pos, nl);
      } else {
        const total = this.#pendingBytes + (nl - pos);
        if (total > max) throw this.#tooLong(total, true);
        const line = this.#takePending(chunk, pos, nl);
        this.#decode(line, 0, line.length);
      }
      this.#lineNo++;
      pos = nl + 1;
    }
    if (pos < len) {
      const total = this.#pendingBytes + (len - pos);
      if (total > max) throw this.#tooLong(total, false);
      // Copied, not viewed: only the tail is copied (each byte once), the chunk is not
      // retained, and a source that reuses its buffers cannot corrupt the pending line.
      this.#pending.push(Buffer.from(chunk.subarray(pos)));
      this.#pendingBytes = total;
    }
  }

  /** Joins the pending pieces (plus `chunk[start, end)`, if any) into one buffer and resets them. */
  #takePending(chunk: Buffer | null, start: number, end: number): Buffer {
    const parts = this.#pending;
    if (chunk !== null && end > start) parts.push(chunk.subarray(start, end));
    const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.#pendingBytes + (end - start));
    this.#pending = [];
    this.#pendingBytes = 0;
    return line;
  }

  #decode(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === CR) end--;
    let s = start;
    while (s < end && isJsonWhitespace(buf[s]!)) s++;
    if (s === end) return; // blank line
    const text = buf.toString('utf8', s, end);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const quote = text.length > QUOTE_CHARS ? `${JSON.stringify(text.slice(0, QUOTE_CHARS))}… (${end - s} bytes)` : JSON.stringify(text);
      throw new ProtocolError(`invalid JSON on line ${this.#lineNo} of the stream (${errorMessage(error)}): ${quote}`, {
        cause: error,
      });
    }
    this.#onValue(value as T);
  }

  #tooLong(bytes: number, complete: boolean): ProtocolError {
    return new ProtocolError(
      `JSON line ${this.#lineNo} of the stream exceeds the maximum of ${this.#maxLineBytes} bytes ` +
        `(${complete ? '' : 'at least '}${bytes} bytes)`,
    );
  }

  #fail(error: unknown): void {
    this.#failed = true;
    this.#failure = error;
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}

/**
 * Decodes a byte stream (a Readable or any `AsyncIterable` of bytes) into JSON values, one per
 * non-blank line. Values decoded before an error are yielded before it is thrown. Breaking
 * out of the loop closes the source.
 */
export async function* decodeJsonLines<T = unknown>(
  source: AsyncIterable<Buffer | Uint8Array>,
  options: JsonLinesOptions = {},
): AsyncGenerator<T, void, undefined> {
  let values: T[] = [];
  const decoder = new JsonLinesDecoder<T>((value) => {
    values.push(value);
  }, options);
  for await (const chunk of source) {
    let failed = false;
    let failure: unknown;
    try {
      decoder.push(chunk);
    } catch (error) {
      failed = true;
      failure = error;
    }
    if (values.length > 0) {
      const batch = values;
      values = [];
      for (const value of batch) yield value;
    }
    if (failed) throw failure;
  }
  decoder.end();
  for (const value of values) yield value;
}

function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x09 || byte === CR;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
