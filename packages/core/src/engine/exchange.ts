import type { Duplex, Readable } from 'node:stream';
import { callEnded, raceCall, watchCall } from '../abort.js';
import { connectError, requestError } from '../connection-errors.js';
import { DockerError, InvalidParameterError } from '../errors.js';
import { MAX_ERROR_BODY_BYTES, errorFromStatus } from '../status-to-error.js';
import type { Transport } from '../transport.js';
import type { DockerRequest } from '../types.js';
import { ConnectionReads } from './connection-reads.js';
import { encodeBody, encodeQuery, mergeHeaders } from './encode.js';
import { HeadReader, bodyFraming, type ResponseHead } from './http-head.js';
import { ResponseBody, readCapped } from './response-body.js';

/**
 * One HTTP/1.1 exchange on a connection of its own (streams and hijacks; short answers go
 * through undici's pool, see pooled.ts): connect through the transport, write the request
 * (a streamed body with chunked framing), read and check the response head.
 */
export interface Exchange {
  socket: Duplex;
  head: ResponseHead;
  /**
   * Stops watching the call's signal and deadline (idempotent). Until then, either ending
   * destroys the socket with the call's error (TimeoutError, AbortError).
   */
  release: () => void;
  /** The reads through net's onread, when they were offered (readAll): the body takes them on. */
  reads: ConnectionReads | undefined;
}

export interface ExchangeTarget {
  transport: Transport;
  /** The Host header. */
  host: string;
}

/**
 * Open a connection from the transport, send `req` with the given connection headers and
 * read the response head. With `readAll` (core reads the connection to its end: a stream,
 * not a hijack handed to the caller), the transport is offered net's onread
 * (connection-reads.ts). Bytes that came with the head are put back on the socket, or kept
 * in `reads` when they came through onread. The call's signal and deadline govern
 * everything until `release()`; every error names the endpoint.
 */
export async function openExchange(target: ExchangeTarget, req: DockerRequest, connection: Record<string, string>, readAll: boolean): Promise<Exchange> {
  const { transport, host } = target;
  const endpoint = transport.endpoint;
  const ended = callEnded(req, endpoint);
  if (ended) throw ended;
  const { head: requestHead, body } = encodeRequest(req, host, connection);

  const reads = readAll ? new ConnectionReads() : undefined;
  const connecting = transport.connect({ signal: req.signal, onread: reads }).catch((err: unknown) => {
    throw req.signal?.aborted ? callEnded(req, endpoint)! : connectError(err, endpoint, transport.kind);
  });
  let socket: Duplex;
  try {
    socket = await raceCall(connecting, req, endpoint);
  } catch (err) {
    // Given up while connecting: a connection that still comes is closed at once.
    connecting.then((s) => s.destroy(), noop);
    throw err;
  }
  if (req.unref) (socket as Duplex & { unref?: () => void }).unref?.();

  let failure: DockerError | undefined;
  const release = watchCall(req, endpoint, (err) => {
    failure = err;
    socket.destroy(err);
  }, req.unref === true);
  try {
    socket.write(requestHead);
    if (body !== undefined) writeBody(body, socket, req.operation, endpoint);
    const head = await readHead(socket, reads, req.operation, endpoint);
    return { socket, head, release, reads };
  } catch (err) {
    release();
    socket.destroy();
    throw failure ?? (err instanceof DockerError ? err : requestError(err, { operation: req.operation, endpoint, signal: req.signal }));
  }
}

/** The response body of an exchange, as a stream; `release` runs when it is over. */
export function responseBody(ex: Exchange, req: DockerRequest, endpoint: string): ResponseBody {
  let framing: ReturnType<typeof bodyFraming>;
  try {
    framing = bodyFraming(ex.head, req.method, req.operation);
  } catch (err) {
    // A head whose framing cannot be read (an invalid Content-Length): nothing to stream.
    ex.release();
    ex.socket.destroy();
    throw err;
  }
  return new ResponseBody(ex.socket, {
    reads: ex.reads,
    framing,
    operation: req.operation,
    endpoint,
    release: ex.release,
    idleTimeoutMs: req.idleTimeoutMs,
    unref: req.unref,
  });
}

/** An error answer: the error class of its status, with the daemon's message (body read up to 1 MiB). */
export async function errorAnswer(ex: Exchange, req: DockerRequest, endpoint: string): Promise<DockerError> {
  let data: Buffer = Buffer.alloc(0);
  let truncated = false;
  try {
    const read = await readCapped(responseBody(ex, req, endpoint), MAX_ERROR_BODY_BYTES);
    data = read.data;
    truncated = read.truncated;
  } catch {
    // A malformed error body: the status still says what happened.
  }
  ex.release();
  ex.socket.destroy();
  return errorFromStatus(ex.head.statusCode, data, { operation: req.operation, endpoint, truncated, request: req });
}

function encodeRequest(req: DockerRequest, host: string, connection: Record<string, string>): { head: string; body: string | Uint8Array | Readable | undefined } {
  const { body, contentType, length } = encodeBody(req);
  const framing: Record<string, string> = body === undefined ? { 'Content-Length': '0' } : length !== undefined ? { 'Content-Length': String(length) } : { 'Transfer-Encoding': 'chunked' };
  const headers = mergeHeaders({ Host: host, ...connection, ...(contentType ? { 'Content-Type': contentType } : {}), ...framing }, req.headers);
  let head = `${req.method} ${req.path}${encodeQuery(req.query)} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) {
      throw new InvalidParameterError(`${req.operation}: header ${JSON.stringify(k)} contains a line break`, { operation: req.operation });
    }
    head += `${k}: ${v}\r\n`;
  }
  return { head: `${head}\r\n`, body };
}

/** Write a request body: bytes as they are, a stream in chunked framing with backpressure. */
function writeBody(body: string | Uint8Array | Readable, socket: Duplex, operation: string, endpoint: string): void {
  if (typeof body === 'string' || body instanceof Uint8Array) {
    socket.write(body);
    return;
  }
  const onData = (chunk: Buffer | string): void => {
    if (chunk.length === 0) return; // a zero-size chunk would end the body
    socket.cork();
    socket.write(`${Buffer.byteLength(chunk).toString(16)}\r\n`);
    socket.write(chunk);
    const more = socket.write('\r\n');
    socket.uncork();
    if (!more) body.pause();
  };
  const onDrain = (): void => {
    body.resume();
  };
  const onEnd = (): void => {
    detach();
    if (!socket.destroyed) socket.write('0\r\n\r\n');
  };
  const onError = (err: unknown): void => {
    detach();
    socket.destroy(
      new DockerError(`${operation}: the request body failed: ${err instanceof Error ? err.message : String(err)}`, { operation, endpoint, cause: err }),
    );
  };
  // The answer came (or the connection went) before the whole body was sent: stop reading it.
  const onClose = (): void => {
    detach();
    if (!body.readableEnded) body.destroy();
  };
  const detach = (): void => {
    body.off('data', onData);
    body.off('end', onEnd);
    body.off('error', onError);
    socket.off('drain', onDrain);
    socket.off('close', onClose);
  };
  body.on('data', onData);
  body.on('end', onEnd);
  body.on('error', onError);
  socket.on('drain', onDrain);
  socket.on('close', onClose);
}

/**
 * Read the response head, from the socket's events or from `reads` (when the transport
 * passed onread on, nothing comes as events). Bytes that came with the head are put back
 * where they came from: on the socket, or kept in `reads` with the socket paused until the
 * body takes them.
 */
function readHead(socket: Duplex, reads: ConnectionReads | undefined, operation: string, endpoint: string): Promise<ResponseHead> {
  return new Promise<ResponseHead>((resolve, reject) => {
    const reader = new HeadReader(operation, endpoint);
    let over = false;
    /** Feeds one read to the head reader; true once the head is over (resolved or failed). */
    const take = (chunk: Buffer, viaReads: boolean): boolean => {
      let done: ReturnType<HeadReader['push']>;
      try {
        done = reader.push(chunk);
      } catch (err) {
        cleanup();
        reject(err);
        return true;
      }
      if (!done) return false;
      cleanup();
      if (viaReads) {
        socket.pause();
        reads!.giveBack(done.rest);
      } else if (done.rest.length > 0) {
        socket.unshift(done.rest);
      }
      resolve(done.head);
      return true;
    };
    const cleanup = (): void => {
      over = true;
      reads?.takeBy(undefined);
      socket.off('readable', onReadable);
      socket.off('error', onError);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onEnd = (): void => {
      cleanup();
      reject(
        requestError(Object.assign(new Error('the daemon closed the connection before the response head'), { code: 'UND_ERR_SOCKET' }), {
          operation,
          endpoint,
        }),
      );
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (!over && (chunk = socket.read() as Buffer | null) !== null) if (take(chunk, false)) return;
    };
    socket.on('readable', onReadable);
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    // Copies, not loans: the head reader keeps what came after the head.
    reads?.takeBy((chunk) => void take(chunk, true));
    onReadable();
  });
}

function noop(): void {}
