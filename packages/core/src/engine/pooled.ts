import type { Dispatcher, Pool } from 'undici';
import { callEnded, watchCall } from '../abort.js';
import { requestError } from '../connection-errors.js';
import { AbortError, ProtocolError, type DockerError } from '../errors.js';
import { MAX_ERROR_BODY_BYTES, errorFromStatus } from '../status-to-error.js';
import type { DockerRequest, DockerResponse } from '../types.js';
import { encodeBody, encodeQuery, mergeHeaders } from './encode.js';

/** An 'empty' answer's body is read and dropped up to this size, then the connection is closed. */
const MAX_DISCARDED_BYTES = 1024 * 1024;
/** The default cap on a buffered ('json') answer: generous, far below V8's string limit. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

type Controller = Dispatcher.DispatchController;
type Headers = Record<string, string | string[] | undefined>;

export interface PooledTarget {
  pool: Pool;
  endpoint: string;
  /** The client's cap on buffered answers (a request's maxResponseBytes wins). */
  maxResponseBytes: number;
}

/**
 * Send a request whose answer is short ('json' or 'empty') through undici's pool, with a
 * dispatch handler of our own rather than `pool.request()`: no body stream, no
 * AbortSignal per call (the deadline is one timer; the caller's signal is listened to only
 * when given). See docs/decisions.md.
 */
export function sendPooled(target: PooledTarget, req: DockerRequest): Promise<DockerResponse> {
  const ended = callEnded(req, target.endpoint);
  if (ended) return Promise.reject(ended);
  let options: Dispatcher.DispatchOptions;
  try {
    options = dispatchOptions(req);
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise<DockerResponse>((resolve, reject) => {
    target.pool.dispatch(options, new PooledHandler(req, target, resolve, reject));
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

/** Where the bytes of an answer go; chosen once, when the head arrives. */
interface BodySink {
  /** False: stop, the call settled (a cap was passed). */
  data(chunk: Buffer): boolean;
  end(): void;
}

/**
 * undici's handler for one request. Settles the call's promise once: with the parsed body
 * (json), with nothing (empty), or with the error class of the status (error answers,
 * body capped at 1 MiB); a buffered answer above its cap fails with a ProtocolError.
 */
class PooledHandler implements Dispatcher.DispatchHandler {
  readonly #req: DockerRequest;
  readonly #target: PooledTarget;
  #resolve: ((res: DockerResponse) => void) | undefined;
  #reject: ((err: unknown) => void) | undefined;
  #controller: Controller | undefined;
  /** Our own abort (caller signal, deadline, a cap): the error the call surfaces. */
  #aborted: DockerError | undefined;
  #sink: BodySink | undefined;
  readonly #unwatch: () => void;

  constructor(req: DockerRequest, target: PooledTarget, resolve: (res: DockerResponse) => void, reject: (err: unknown) => void) {
    this.#req = req;
    this.#target = target;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#unwatch = watchCall(req, target.endpoint, (err) => this.#abort(err));
  }

  /** Give up with `error`: reject at once (even while waiting for a connection) and drop the connection. */
  #abort(error: DockerError): void {
    if (this.#aborted || !this.#reject) return;
    this.#aborted = error;
    this.#settleError(error);
    this.#controller?.abort(error);
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    // Aborted while the request waited for a connection: drop it now.
    if (this.#aborted) controller.abort(this.#aborted);
  }

  onResponseStart(_controller: Controller, statusCode: number, headers: Headers): void {
    const req = this.#req;
    if (statusCode >= 400 || (statusCode >= 300 && statusCode !== 304)) {
      this.#sink = new ErrorSink((data, truncated) => this.#fail(errorFromStatus(statusCode, data, { ...this.#ctx(), truncated, request: req }), truncated));
    } else if (req.response === 'empty') {
      this.#sink = new DiscardSink(MAX_DISCARDED_BYTES, () => this.#settle({ statusCode, headers, request: req }));
    } else {
      const cap = req.maxResponseBytes ?? this.#target.maxResponseBytes;
      const declared = Number(headers['content-length'] ?? NaN);
      if (declared > cap) {
        this.#fail(this.#tooLarge(cap, declared), true);
        return;
      }
      this.#sink = new JsonSink(
        cap,
        (body) => this.#settle({ statusCode, headers, body, request: req }),
        (err) => this.#fail(err, true),
        () => this.#tooLarge(cap),
        (text, cause) =>
          new ProtocolError(`${req.operation}: the daemon's answer is not JSON: ${JSON.stringify(text.slice(0, 200))}`, { ...this.#ctx(), statusCode, cause }),
      );
    }
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.#sink === undefined || this.#sink.data(chunk) || this.#aborted) return;
    // The call settled before the end of the body (an answer nobody reads, past its bound):
    // close the connection rather than drain it.
    this.#aborted = new AbortError(`${this.#req.operation}: answer body dropped unread`, this.#ctx());
    controller.abort(this.#aborted);
  }

  onResponseEnd(): void {
    this.#sink?.end();
    this.#unwatch();
  }

  onResponseError(_controller: Controller, err: Error): void {
    this.#unwatch();
    this.#settleError(this.#aborted ?? requestError(err, { ...this.#ctx(), signal: this.#req.signal }));
  }

  #tooLarge(cap: number, declared?: number): ProtocolError {
    const size = declared === undefined ? 'more than' : `${declared} bytes, above`;
    return new ProtocolError(
      `${this.#req.operation}: the daemon's answer is ${size} the ${cap}-byte cap on buffered answers; raise it with maxResponseBytes (per call, or createClient({ maxResponseBytes }))`,
      this.#ctx(),
    );
  }

  /** Settle with `err`; `dropConnection` when the rest of the body is not worth reading. */
  #fail(err: DockerError, dropConnection: boolean): void {
    this.#settleError(err);
    if (dropConnection) {
      this.#aborted ??= err;
      this.#controller?.abort(err);
    }
  }

  #settle(res: DockerResponse): void {
    const resolve = this.#resolve;
    if (!resolve) return;
    this.#resolve = this.#reject = undefined;
    this.#unwatch();
    resolve(res);
  }

  #settleError(err: unknown): void {
    const reject = this.#reject;
    if (!reject) return;
    this.#resolve = this.#reject = undefined;
    this.#unwatch();
    reject(err);
  }

  #ctx(): { operation: string; endpoint: string } {
    return { operation: this.#req.operation, endpoint: this.#target.endpoint };
  }
}

/** A JSON answer, buffered up to its cap and parsed at the end. */
class JsonSink implements BodySink {
  #chunks: Buffer[] = [];
  #size = 0;
  constructor(
    readonly cap: number,
    readonly done: (body: unknown) => void,
    readonly fail: (err: DockerError) => void,
    readonly tooLarge: () => DockerError,
    readonly notJson: (text: string, cause: unknown) => DockerError,
  ) {}
  data(chunk: Buffer): boolean {
    this.#size += chunk.length;
    if (this.#size > this.cap) {
      this.#chunks = [];
      this.fail(this.tooLarge());
      return false;
    }
    this.#chunks.push(chunk);
    return true;
  }
  end(): void {
    if (this.#size > this.cap) return;
    const data = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#size);
    this.#chunks = [];
    if (this.#size === 0) return this.done(undefined);
    const text = data.toString('utf8');
    if (text.trim() === '') return this.done(undefined);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      this.fail(this.notJson(text, err));
      return;
    }
    this.done(body);
  }
}

/** An answer nobody reads: drained up to a bound, then the connection is dropped instead. */
class DiscardSink implements BodySink {
  #size = 0;
  constructor(
    readonly bound: number,
    readonly done: () => void,
  ) {}
  data(chunk: Buffer): boolean {
    this.#size += chunk.length;
    if (this.#size <= this.bound) return true;
    // Nobody reads it: answer now (the handler then drops the connection).
    this.done();
    return false;
  }
  end(): void {
    this.done();
  }
}

/** An error answer's body, kept up to 1 MiB. */
class ErrorSink implements BodySink {
  #chunks: Buffer[] = [];
  #size = 0;
  #over = false;
  constructor(readonly done: (data: Buffer, truncated: boolean) => void) {}
  data(chunk: Buffer): boolean {
    if (this.#over) return false;
    if (this.#size + chunk.length > MAX_ERROR_BODY_BYTES) {
      this.#chunks.push(chunk.subarray(0, MAX_ERROR_BODY_BYTES - this.#size));
      this.#size = MAX_ERROR_BODY_BYTES;
      this.#over = true;
      this.done(Buffer.concat(this.#chunks, this.#size), true);
      return false;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    return true;
  }
  end(): void {
    if (!this.#over) this.done(Buffer.concat(this.#chunks, this.#size), false);
  }
}
