import { Socket } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { requestError } from '../connection-errors.js';
import { readDirectly, type DirectConsumer, type DirectReadable, type DirectReader } from '../direct-read.js';
import { TimeoutError } from '../errors.js';
import { ChunkedDecoder } from './chunked.js';
import type { ConnectionReads } from './connection-reads.js';
import type { BodyFraming } from './http-head.js';
import { ReadPacer } from './pacing.js';

/** What the body buffers before the socket is paused (backpressure). */
const BODY_HIGH_WATER_MARK = 64 * 1024;

export interface ResponseBodyOptions {
  /** The connection's reads through net's onread, when the transport was offered it. */
  reads?: ConnectionReads | undefined;
  framing: BodyFraming;
  operation: string;
  endpoint: string;
  /** Called once when the body is over (ended, failed or destroyed): stops the call's watch. */
  release: () => void;
  /** End with a TimeoutError when no byte came for this long. */
  idleTimeoutMs?: number | undefined;
  /** The idle timer does not keep the process alive. */
  unref?: boolean | undefined;
}

/**
 * A response body read straight off a connection of its own (its 'data' events, or its
 * reads through net's onread: connection-reads.ts): delimited by Content-Length,
 * chunked framing (decoded in place, see chunked.ts) or the end of the connection. One
 * push per burst (what the socket delivered in one go: a kernel read, or every TLS record
 * or SSH packet decrypted from one), not per HTTP chunk or per record; bursts of chatty
 * streams are paced (pacing.ts); the socket pauses when the consumer falls behind. The
 * consumer that reads it to its end can take the bursts directly, without the Readable's
 * buffer (direct-read.ts), and a plain socket's reads are then lent to it, not copied. The
 * connection is closed when the body is over (it was asked for with `Connection: close`).
 */
export class ResponseBody extends Readable implements DirectReadable {
  readonly #socket: Duplex;
  readonly #reads: ConnectionReads | undefined;
  readonly #operation: string;
  readonly #endpoint: string;
  readonly #decoder: ChunkedDecoder | undefined;
  /** Content-Length bytes still to come; -1 for a chunked body or one that ends at EOF. */
  #remaining: number;
  readonly #toEof: boolean;
  #ended = false;
  #wanted = true;
  #release: (() => void) | undefined;
  #idle: NodeJS.Timeout | undefined;
  readonly #pacer: ReadPacer;
  // One burst: what the socket delivered in one go (a kernel read, or the TLS records /
  // SSH packets decrypted from one), pushed as one chunk and paced as one read.
  readonly #pending: Buffer[] = [];
  #pendingBytes = 0;
  #burstBytes = 0;
  #flushQueued = false;
  /**
   * A plain socket's 'data' event (or onread call) is one kernel read: its burst is complete
   * at once. A TLS socket or an SSH channel emits one event per record or packet of a read,
   * and Node runs microtasks after each TLS record: their burst ends when the event loop
   * turns (setImmediate). So pacing and a consumer's stop act between reads: a TLS socket
   * hands on every record of a read, even after pause().
   */
  readonly #wholeReads: boolean;
  /** The consumer reading directly, when there is one (readDirectly). */
  #direct: DirectConsumer | undefined;
  readonly #flush = (): void => this.#flushBurst();
  /** A 'data' event's chunk, or a read through onread (lent when the body asked for loans). */
  readonly #onData = (chunk: Buffer, lent = false): void => this.#read(chunk, lent);
  readonly #onEnd = (): void => this.#closedEarly();
  readonly #onError = (err: Error): void => {
    this.destroy(requestError(err, { operation: this.#operation, endpoint: this.#endpoint }));
  };

  constructor(socket: Duplex, options: ResponseBodyOptions) {
    super({ highWaterMark: BODY_HIGH_WATER_MARK });
    this.#socket = socket;
    this.#reads = options.reads;
    this.#operation = options.operation;
    this.#endpoint = options.endpoint;
    this.#release = options.release;
    const { framing } = options;
    this.#decoder = framing.kind === 'chunked' ? new ChunkedDecoder(options.operation) : undefined;
    this.#remaining = framing.kind === 'length' ? framing.length : -1;
    this.#toEof = framing.kind === 'eof';
    this.#wholeReads = socket instanceof Socket && !(socket instanceof TLSSocket);
    this.#pacer = new ReadPacer(() => {
      if (this.#wanted && !this.#ended) this.#socket.resume();
    });
    if (framing.kind === 'none') {
      this.#finish();
      return;
    }
    const idleMs = options.idleTimeoutMs;
    if (idleMs !== undefined && idleMs > 0 && Number.isFinite(idleMs)) {
      this.#idle = setTimeout(() => {
        this.destroy(
          new TimeoutError(`${this.#operation}: no data for ${idleMs} ms (idleTimeoutMs)`, { operation: this.#operation, endpoint: this.#endpoint, timeoutMs: idleMs }),
        );
      }, idleMs);
      if (options.unref) this.#idle.unref();
    }
    // Reads come as 'data' events, or through onread when the transport passed it on.
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
    socket.on('error', this.#onError);
    socket.resume();
    this.#reads?.takeBy(this.#onData, true);
  }

  #read(chunk: Buffer, lent: boolean): void {
    this.#idle?.refresh();
    // A lent read is decoded in place and handed on at once only to a direct consumer,
    // which copies out the payload it keeps: one copy of the bytes, none of the framing.
    // Anything that keeps the read (the Readable's buffer, a TLS burst) gets a copy.
    if (lent && !(this.#wholeReads && this.#direct !== undefined)) {
      chunk = Buffer.from(chunk);
      lent = false;
    }
    let payload: Buffer;
    if (this.#decoder) {
      try {
        payload = this.#decoder.decode(chunk);
      } catch (err) {
        this.destroy(err as Error);
        return;
      }
    } else if (this.#remaining >= 0) {
      payload = chunk.length <= this.#remaining ? chunk : chunk.subarray(0, this.#remaining);
      this.#remaining -= payload.length;
    } else {
      payload = chunk;
    }
    const over = this.#decoder?.done === true || this.#remaining === 0;
    if (this.#wholeReads) {
      // This event is the whole burst.
      this.#deliver(payload, lent);
      if (over) this.#finish();
      else this.#pace(chunk.length);
      return;
    }
    if (payload.length > 0) {
      this.#pending.push(payload);
      this.#pendingBytes += payload.length;
    }
    this.#burstBytes += chunk.length;
    if (over) {
      this.#flushBurst();
      this.#finish();
      return;
    }
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(this.#flush);
    }
  }

  /** The socket is done delivering for now: hand on what came as one chunk, then pace. */
  #flushBurst(): void {
    this.#flushQueued = false;
    const bytes = this.#burstBytes;
    this.#burstBytes = 0;
    if (this.#pendingBytes > 0) {
      const data = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
      // Reused: concat copied the pieces, and a lone piece is handed on by reference.
      this.#pending.length = 0;
      this.#pendingBytes = 0;
      this.#deliver(data, false);
    }
    if (!this.#ended) this.#pace(bytes);
  }

  /** Hands one burst's payload on: to the direct consumer, else into the Readable's buffer. */
  #deliver(data: Buffer, lent: boolean): void {
    if (data.length === 0 || this.destroyed) return;
    if (this.#direct !== undefined ? this.#direct(data, lent) : this.push(data)) return;
    this.#wanted = false;
    this.#socket.pause();
  }

  #pace(bytes: number): void {
    if (!this.destroyed && bytes > 0 && this.#pacer.afterRead(bytes, this.#decoder?.averageChunk)) this.#socket.pause();
  }

  /** The whole body arrived: end the stream and close the connection. */
  #finish(): void {
    this.#ended = true;
    this.#detach();
    this.push(null);
    this.#socket.destroy();
  }

  #closedEarly(): void {
    // The end can come before the loop turns: what came before it goes first.
    if (this.#flushQueued) this.#flushBurst();
    if (this.#ended || this.destroyed) return;
    if (this.#toEof) {
      this.#finish();
      return;
    }
    const err = Object.assign(new Error('the daemon closed the connection before the end of the body'), { code: 'UND_ERR_SOCKET' });
    this.destroy(requestError(err, { operation: this.#operation, endpoint: this.#endpoint }));
  }

  #detach(): void {
    this.#pacer.stop();
    if (this.#idle !== undefined) {
      clearTimeout(this.#idle);
      this.#idle = undefined;
    }
    this.#socket.off('data', this.#onData);
    this.#reads?.takeBy(noop);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('close', this.#onEnd);
    // Keep an error listener: a late socket error must not become an uncaught exception.
    this.#socket.off('error', this.#onError);
    this.#socket.on('error', noop);
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  override _read(): void {
    // Read directly, the Readable flows only to emit 'end': the consumer says when to read.
    if (this.#direct === undefined) this.#want();
  }

  #want(): void {
    this.#wanted = true;
    if (!this.#pacer.waiting && !this.#ended) this.#socket.resume();
  }

  [readDirectly](consumer: DirectConsumer): DirectReader | undefined {
    // Only while nobody reads it otherwise, and only while bytes may still come.
    if (this.#direct !== undefined || this.#ended || this.destroyed || this.readableFlowing === true || this.listenerCount('data') > 0 || this.listenerCount('readable') > 0) {
      return undefined;
    }
    // Bytes already buffered (a sniffed head put back with unshift) go first.
    const buffered = this.readableLength > 0 ? (this.read() as Buffer | null) : null;
    this.#direct = consumer;
    // Flowing with no 'data' listener: nothing is pushed any more but the end, which then
    // comes as 'end' without anyone calling read().
    this.resume();
    if (buffered !== null && !consumer(buffered, false)) {
      this.#wanted = false;
      this.#socket.pause();
    }
    return { resume: () => this.#want() };
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#detach();
    this.#socket.destroy();
    callback(error);
  }
}

/** Read `body` up to `cap` bytes, then close it: what an error answer's body is read with. */
export async function readCapped(body: Readable, cap: number): Promise<{ data: Buffer; truncated: boolean }> {
  const parts: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      parts.push(chunk);
      size += chunk.length;
      if (size > cap) {
        truncated = true;
        break;
      }
    }
  } catch {
    // A broken error body still has a status: keep what came.
  } finally {
    body.destroy();
  }
  const data = Buffer.concat(parts, size);
  return { data: truncated ? data.subarray(0, cap) : data, truncated };
}

function noop(): void {}
