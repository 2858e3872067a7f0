import { Readable, type Duplex } from 'node:stream';
import { requestError } from '../connection-errors.js';
import type { Transport } from '../transport.js';
import type { DockerRequest, DockerResponse } from '../types.js';
import { ChunkedDecoder } from './chunked.js';
import { errorAnswer, openExchange, withDeadlineSignal } from './hijack.js';
import { ReadPacer } from './pacing.js';

/** What the body buffers before the socket is paused (backpressure). */
const BODY_HIGH_WATER_MARK = 64 * 1024;

/**
 * A GET whose answer is a stream (logs, stats, events, export...), on a connection of its
 * own rather than through undici (for transports with `dedicatedStreams` only). The daemon
 * sends every log line as its own flushed HTTP chunk, and undici calls back into
 * JavaScript once per chunk (~1 µs each, a million times for 37 MiB of short lines). Here
 * a 64 KiB read of ~1,400 chunks is decoded in one loop and pushed as one buffer. The
 * connection is closed when the body ends (`Connection: close`), as a hijacked one is.
 * See docs/decisions.md.
 */
export function rawStream(transport: Transport, req: DockerRequest, host: string): Promise<DockerResponse> {
  return withDeadlineSignal(req, async (r) => {
    const ex = await openExchange(transport, r, host, { Connection: 'close' });
    const { statusCode, headers, socket } = ex;
    if (statusCode >= 400 || (statusCode >= 300 && statusCode !== 304)) throw await errorAnswer(ex, r, transport.endpoint);
    return { statusCode, headers, stream: new RawBody(socket, statusCode, headers, r, transport.endpoint), request: r };
  });
}

/** The response body read straight from the socket: chunked, Content-Length or to EOF. */
class RawBody extends Readable {
  readonly #socket: Duplex;
  readonly #req: DockerRequest;
  readonly #endpoint: string;
  readonly #decoder: ChunkedDecoder | undefined;
  /** Content-Length bytes still to come; -1 for a chunked body or one that ends at EOF. */
  #remaining: number;
  #ended = false;
  #wanted = true;
  readonly #pacer = new ReadPacer(() => {
    if (this.#wanted) this.#socket.resume();
  });
  readonly #onData = (chunk: Buffer): void => this.#read(chunk);
  readonly #onEnd = (): void => this.#closedEarly();
  readonly #onError = (err: Error): void => {
    this.destroy(requestError(err, { operation: this.#req.operation, endpoint: this.#endpoint }));
  };

  constructor(socket: Duplex, statusCode: number, headers: Record<string, string>, req: DockerRequest, endpoint: string) {
    super({ highWaterMark: BODY_HIGH_WATER_MARK });
    this.#socket = socket;
    this.#req = req;
    this.#endpoint = endpoint;
    const chunked = /\bchunked\b/i.test(headers['transfer-encoding'] ?? '');
    this.#decoder = chunked ? new ChunkedDecoder(req.operation) : undefined;
    const length = headers['content-length'];
    this.#remaining = chunked || length === undefined ? -1 : Number(length);
    if (statusCode === 204 || statusCode === 304 || this.#remaining === 0) {
      this.#finish();
      return;
    }
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
    socket.on('error', this.#onError);
  }

  #read(chunk: Buffer): void {
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
    if (payload.length > 0 && !this.push(payload)) {
      this.#wanted = false;
      this.#socket.pause();
    }
    if (this.#decoder?.done || this.#remaining === 0) {
      this.#finish();
      return;
    }
    if (this.#pacer.afterRead(chunk.length)) this.#socket.pause();
  }

  /** The whole body arrived: end the stream and close the connection (sent with Connection: close). */
  #finish(): void {
    this.#ended = true;
    this.#detach();
    this.push(null);
    this.#socket.destroy();
  }

  #closedEarly(): void {
    if (this.#ended || this.destroyed) return;
    if (this.#decoder === undefined && this.#remaining < 0) {
      // No length and not chunked: the body ends with the connection.
      this.#finish();
      return;
    }
    const err = Object.assign(new Error('the daemon closed the connection before the end of the body'), { code: 'UND_ERR_SOCKET' });
    this.destroy(requestError(err, { operation: this.#req.operation, endpoint: this.#endpoint }));
  }

  #detach(): void {
    this.#pacer.stop();
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('close', this.#onEnd);
    // Keep an error listener: a late socket error must not become an uncaught exception.
    this.#socket.off('error', this.#onError);
    this.#socket.on('error', noop);
  }

  override _read(): void {
    this.#wanted = true;
    if (!this.#pacer.waiting && !this.#ended) this.#socket.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#detach();
    this.#socket.destroy();
    callback(error);
  }
}

function noop(): void {}
