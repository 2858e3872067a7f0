import { Readable } from 'node:stream';
import type { Dispatcher, Pool } from 'undici';
import { requestError } from '../connection-errors.js';
import { AbortError, ProtocolError, type DockerError } from '../errors.js';
import { MAX_ERROR_BODY_BYTES, errorFromStatus } from '../status-to-error.js';
import type { DockerRequest, DockerResponse } from '../types.js';
import { encodeBody, encodeQuery, mergeHeaders } from './encode.js';
import { ReadPacer } from './pacing.js';

/** An 'empty' answer's body is read and dropped up to this size, then the connection is closed. */
const MAX_DISCARDED_BYTES = 1024 * 1024;
/** What a streamed body buffers before undici stops reading the socket (backpressure). */
const STREAM_HIGH_WATER_MARK = 64 * 1024;

const enum Mode {
  Json,
  Empty,
  Stream,
  ErrorBody,
}

type Controller = Dispatcher.DispatchController;
type Headers = Record<string, string | string[] | undefined>;

/**
 * Send one request through undici's `dispatch` with a handler of our own, rather than
 * `pool.request()`: no body stream for JSON and empty answers, no AbortSignal per call
 * (the deadline is one timer; the caller's signal is listened to only when given), and a
 * streamed body that is one Readable fed straight from the parser. See docs/decisions.md.
 */
export function send(pool: Pool, req: DockerRequest, endpoint: string): Promise<DockerResponse> {
  const { signal, deadline } = req;
  if (signal?.aborted) return Promise.reject(requestError(signal.reason, { operation: req.operation, endpoint, signal }));
  if (deadline?.expired) return Promise.reject(deadline.error());
  let options: Dispatcher.DispatchOptions;
  try {
    options = dispatchOptions(req);
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise<DockerResponse>((resolve, reject) => {
    const handler = new ResponseHandler(req, endpoint, resolve, reject);
    pool.dispatch(options, handler);
  });
}

function dispatchOptions(req: DockerRequest): Dispatcher.DispatchOptions {
  const { body, contentType, length } = encodeBody(req);
  let headers: Record<string, string> | undefined;
  if (contentType !== undefined || req.headers !== undefined) {
    const base: Record<string, string> = {};
    if (contentType !== undefined) base['content-type'] = contentType;
    if (length !== undefined && req.method !== 'GET' && req.method !== 'HEAD') base['content-length'] = String(length);
    headers = mergeHeaders(base, req.headers);
  }
  return {
    method: req.method,
    path: req.query === undefined ? req.path : req.path + encodeQuery(req.query),
    headers,
    body: body as Dispatcher.DispatchOptions['body'],
  };
}

/**
 * undici's handler for one request. Settles the call's promise once: with the parsed body
 * (json), with nothing (empty), with a Readable as soon as the head arrived (stream), or
 * with the error class of the status (error answers, body capped at 1 MiB).
 */
class ResponseHandler implements Dispatcher.DispatchHandler {
  readonly #req: DockerRequest;
  readonly #endpoint: string;
  #resolve: ((res: DockerResponse) => void) | undefined;
  #reject: ((err: unknown) => void) | undefined;
  #controller: Controller | undefined;
  /** Our own abort (caller signal, deadline, a capped body): the error the call surfaces. */
  #aborted: DockerError | undefined;
  #mode = Mode.Json;
  #statusCode = 0;
  #headers: Headers = {};
  #chunks: Buffer[] = [];
  #size = 0;
  #stream: BodyStream | undefined;
  /** undici delivered the whole body. */
  #complete = false;
  #timer: NodeJS.Timeout | undefined;
  #onSignalAbort: (() => void) | undefined;
  // Streamed bodies only: what arrived since the last flush (one push per socket read, not
  // per HTTP chunk), and the pacing of reads.
  #pending: Buffer[] | undefined;
  #pendingBytes = 0;
  #flushQueued = false;
  #flush: (() => void) | undefined;
  #pacer: ReadPacer | undefined;
  /** The consumer wants more (the stream's buffer is below its high-water mark). */
  #wanted = true;

  constructor(req: DockerRequest, endpoint: string, resolve: (res: DockerResponse) => void, reject: (err: unknown) => void) {
    this.#req = req;
    this.#endpoint = endpoint;
    this.#resolve = resolve;
    this.#reject = reject;
    const { signal, deadline } = req;
    if (deadline) this.#timer = setTimeout(() => this.abort(deadline.error()), deadline.remaining());
    if (signal) {
      this.#onSignalAbort = () => this.abort(requestError(signal.reason, { operation: req.operation, endpoint, signal }));
      signal.addEventListener('abort', this.#onSignalAbort, { once: true });
    }
  }

  /**
   * Give up on the call with `error`: reject at once (even while the request waits for a
   * connection), or end a body being streamed with it, and make undici drop the connection.
   */
  abort(error: DockerError): void {
    if (this.#aborted) return;
    if (this.#stream) {
      this.#stream.destroy(error);
      return;
    }
    if (!this.#resolve) return;
    this.#aborted = error;
    this.#settleError(error);
    this.#controller?.abort(error);
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    // Aborted while the request waited for a connection: drop it now.
    if (this.#aborted) controller.abort(this.#aborted);
  }

  onResponseStart(controller: Controller, statusCode: number, headers: Headers): void {
    this.#statusCode = statusCode;
    this.#headers = headers;
    if (statusCode >= 400 || (statusCode >= 300 && statusCode !== 304)) {
      this.#mode = Mode.ErrorBody;
      return;
    }
    const kind = this.#req.response;
    if (kind === 'stream') {
      this.#mode = Mode.Stream;
      // The deadline covers the head only: the body belongs to the caller now (its signal still applies).
      this.#clearTimer();
      this.#pending = [];
      this.#flush = () => this.#flushStream();
      this.#pacer = new ReadPacer(() => {
        if (this.#wanted) controller.resume();
      });
      const stream = new BodyStream(this);
      this.#stream = stream;
      this.#settle({ statusCode, headers, stream, request: this.#req });
    } else if (kind === 'empty') {
      this.#mode = Mode.Empty;
    }
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    switch (this.#mode) {
      case Mode.Stream:
        // Gathered until the parser is done with this read, then pushed as one chunk.
        this.#pending!.push(chunk);
        this.#pendingBytes += chunk.length;
        if (!this.#flushQueued) {
          this.#flushQueued = true;
          queueMicrotask(this.#flush!);
        }
        if (!this.#wanted || this.#pacer!.waiting) controller.pause();
        return;
      case Mode.Empty:
        this.#size += chunk.length;
        if (this.#size > MAX_DISCARDED_BYTES) {
          // Nobody reads it: answer now and close the connection rather than drain it.
          this.#aborted = new AbortError(`${this.#req.operation}: answer body discarded after ${MAX_DISCARDED_BYTES} bytes`, this.#ctx());
          this.#settle({ statusCode: this.#statusCode, headers: this.#headers, request: this.#req });
          controller.abort(this.#aborted);
        }
        return;
      case Mode.ErrorBody:
        if (this.#size + chunk.length > MAX_ERROR_BODY_BYTES) {
          this.#chunks.push(chunk.subarray(0, MAX_ERROR_BODY_BYTES - this.#size));
          this.#size = MAX_ERROR_BODY_BYTES;
          const err = this.#statusError(true);
          this.#aborted = err;
          this.#settleError(err);
          controller.abort(err);
          return;
        }
        this.#chunks.push(chunk);
        this.#size += chunk.length;
        return;
      default:
        this.#chunks.push(chunk);
        this.#size += chunk.length;
    }
  }

  onResponseEnd(): void {
    this.#complete = true;
    switch (this.#mode) {
      case Mode.Stream:
        this.#flushStream();
        this.#pacer!.stop();
        this.#stream!.push(null);
        return;
      case Mode.Empty:
        this.#settle({ statusCode: this.#statusCode, headers: this.#headers, request: this.#req });
        return;
      case Mode.ErrorBody:
        this.#settleError(this.#statusError(false));
        return;
      default:
        this.#settleJson();
    }
  }

  onResponseError(_controller: Controller, err: Error): void {
    const error = this.#aborted ?? requestError(err, this.#ctx());
    this.#pacer?.stop();
    if (this.#stream) {
      if (!this.#stream.destroyed) this.#stream.destroy(error);
      return;
    }
    this.#settleError(error);
  }

  /** The consumer asks for more: read on, unless a pacing wait is running (it resumes then). */
  streamWanted(): void {
    this.#wanted = true;
    if (!this.#pacer!.waiting && this.#controller?.paused) this.#controller.resume();
  }

  #flushStream(): void {
    this.#flushQueued = false;
    const bytes = this.#pendingBytes;
    if (bytes === 0) return;
    const pending = this.#pending!;
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, bytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#stream!.destroyed) return;
    if (!this.#stream!.push(data)) {
      this.#wanted = false;
      this.#controller!.pause();
    }
    if (!this.#complete && this.#pacer!.afterRead(bytes)) this.#controller!.pause();
  }

  /** The consumer destroyed the body (or it errored): stop the request unless it completed. */
  streamClosed(error: Error | null): void {
    this.#pacer?.stop();
    if (!this.#complete) {
      this.#aborted ??= error ? requestError(error, this.#ctx()) : new AbortError(`${this.#req.operation}: body destroyed before its end`, this.#ctx());
      this.#controller?.abort(this.#aborted);
    }
    this.#unlinkSignal();
  }

  #settleJson(): void {
    const data = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#size);
    this.#chunks = [];
    let body: unknown;
    if (this.#size > 0) {
      const text = data.toString('utf8');
      if (text.trim() !== '') {
        try {
          body = JSON.parse(text);
        } catch (err) {
          this.#settleError(
            new ProtocolError(`${this.#req.operation}: the daemon's answer is not JSON: ${JSON.stringify(text.slice(0, 200))}`, {
              operation: this.#req.operation,
              endpoint: this.#endpoint,
              statusCode: this.#statusCode,
              cause: err,
            }),
          );
          return;
        }
      }
    }
    this.#settle({ statusCode: this.#statusCode, headers: this.#headers, body, request: this.#req });
  }

  #statusError(truncated: boolean): DockerError {
    const data = Buffer.concat(this.#chunks, this.#size);
    this.#chunks = [];
    return errorFromStatus(this.#statusCode, data, { operation: this.#req.operation, endpoint: this.#endpoint, truncated });
  }

  #settle(res: DockerResponse): void {
    const resolve = this.#resolve;
    if (!resolve) return;
    this.#resolve = this.#reject = undefined;
    this.#clearTimer();
    // A streamed body keeps the caller's signal until it closes.
    if (!this.#stream) this.#unlinkSignal();
    resolve(res);
  }

  #settleError(err: unknown): void {
    const reject = this.#reject;
    if (!reject) return;
    this.#resolve = this.#reject = undefined;
    this.#clearTimer();
    this.#unlinkSignal();
    reject(err);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #unlinkSignal(): void {
    if (this.#onSignalAbort) {
      this.#req.signal!.removeEventListener('abort', this.#onSignalAbort);
      this.#onSignalAbort = undefined;
    }
  }

  #ctx(): { operation: string; endpoint: string } {
    return { operation: this.#req.operation, endpoint: this.#endpoint };
  }
}

/**
 * A streamed response body: the parser pushes into it, and pauses when the consumer falls
 * behind; reading resumes the parser. Destroying it (a consumer that stops early) aborts
 * the request, which frees the connection even when the daemon is quiet.
 */
class BodyStream extends Readable {
  readonly #handler: ResponseHandler;

  constructor(handler: ResponseHandler) {
    super({ highWaterMark: STREAM_HIGH_WATER_MARK });
    this.#handler = handler;
  }

  override _read(): void {
    this.#handler.streamWanted();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#handler.streamClosed(error);
    callback(error);
  }
}
