import type { Duplex } from 'node:stream';
import { AbortError, ProtocolError } from '../errors.js';
import { connectError, requestError } from '../connection-errors.js';
import { MAX_ERROR_BODY_BYTES, errorFromStatus } from '../status-to-error.js';
import type { Transport } from '../transport.js';
import type { DockerRequest, DockerResponse } from '../types.js';
import { ChunkedDecoder } from './chunked.js';
import { encodeBody, encodeQuery, mergeHeaders } from './encode.js';

const MAX_HEAD_BYTES = 64 * 1024; // a response head larger than this is not a Docker daemon

/** A request sent on a connection of its own, with the response head read by hand. */
export interface Exchange {
  socket: Duplex;
  statusCode: number;
  headers: Record<string, string>;
}

/**
 * Hijack a connection for attach / exec start: send the request with
 * `Connection: Upgrade, Upgrade: tcp`, read the response head ourselves and hand the raw
 * socket to the caller. Written by hand rather than with undici's upgrade(), because the
 * Engine API allows a plain 200 answer too (undici rejects that as a bad upgrade), and the
 * socket must come from the same Transport (docs/decisions.md).
 */
export function hijack(transport: Transport, req: DockerRequest, host: string): Promise<DockerResponse> {
  return withDeadlineSignal(req, async (r) => {
    const ex = await openExchange(transport, r, host, { Connection: 'Upgrade', Upgrade: 'tcp' });
    const { statusCode, headers, socket } = ex;
    if (statusCode === 101 || statusCode === 200) {
      return { statusCode, headers, socket, request: r };
    }
    throw await errorAnswer(ex, r, transport.endpoint);
  });
}

/**
 * Run `fn` with the request's deadline turned into a signal (linked with the caller's).
 * For connections of their own (hijack, raw streams) the deadline bounds the head only:
 * the timer goes once `fn` settled; the caller's signal stays linked to the socket.
 */
export async function withDeadlineSignal<T>(req: DockerRequest, fn: (req: DockerRequest) => Promise<T>): Promise<T> {
  const deadline = req.deadline;
  if (!deadline) return fn(req);
  if (deadline.expired) throw deadline.error();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(deadline.error()), deadline.remaining());
  const signal = req.signal ? AbortSignal.any([req.signal, controller.signal]) : controller.signal;
  try {
    return await fn({ ...req, signal });
  } finally {
    clearTimeout(timer);
  }
}

/** The error class of an error answer, with the daemon's message; closes the connection. */
export async function errorAnswer(ex: Exchange, req: DockerRequest, endpoint: string): Promise<Error> {
  const { data, truncated } = await readErrorBody(ex.socket, ex.headers).catch(() => ({ data: Buffer.alloc(0), truncated: false }));
  ex.socket.destroy();
  return errorFromStatus(ex.statusCode, data, { operation: req.operation, endpoint, truncated });
}

/**
 * Open a fresh connection from the transport, send `req` on it with the given connection
 * headers and read the response head. The caller's signal destroys the socket until it
 * closes. Bytes that came with the head are put back on the socket.
 */
export async function openExchange(transport: Transport, req: DockerRequest, host: string, connection: Record<string, string>): Promise<Exchange> {
  const endpoint = transport.endpoint;
  if (req.signal?.aborted) throw requestError(req.signal.reason, { operation: req.operation, endpoint, signal: req.signal });
  let socket: Duplex;
  try {
    socket = await transport.connect({ signal: req.signal });
  } catch (err) {
    if (req.signal?.aborted) throw requestError(err, { operation: req.operation, endpoint, signal: req.signal });
    throw connectError(err, endpoint, transport.kind);
  }
  const onAbort = () => socket.destroy(requestError(req.signal?.reason, { operation: req.operation, endpoint, signal: req.signal }));
  req.signal?.addEventListener('abort', onAbort, { once: true });
  socket.once('close', () => req.signal?.removeEventListener('abort', onAbort));

  const { body, contentType, length } = encodeBody(req);
  if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body) && !(body instanceof Uint8Array)) {
    socket.destroy();
    throw new TypeError('dockline: a hijacked request body must be a JSON object, string or Buffer');
  }
  const headers = mergeHeaders(
    {
      Host: host,
      ...connection,
      ...(contentType ? { 'Content-Type': contentType } : {}),
      'Content-Length': String(length ?? 0),
    },
    req.headers,
  );
  let head = `${req.method} ${req.path}${encodeQuery(req.query)} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) {
      socket.destroy();
      throw new TypeError(`dockline: header ${JSON.stringify(k)} contains a line break`);
    }
    head += `${k}: ${v}\r\n`;
  }
  head += '\r\n';
  socket.write(body === undefined ? head : Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body as string | Uint8Array)]));

  try {
    const parsed = await readHead(socket, req);
    return { socket, statusCode: parsed.statusCode, headers: parsed.headers };
  } catch (err) {
    socket.destroy();
    throw err instanceof ProtocolError || err instanceof AbortError ? err : requestError(err, { operation: req.operation, endpoint, signal: req.signal });
  }
}

interface ParsedHead {
  statusCode: number;
  headers: Record<string, string>;
}

function readHead(socket: Duplex, req: DockerRequest): Promise<ParsedHead> {
  return new Promise<ParsedHead>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      socket.off('readable', onReadable);
      socket.off('error', onError);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onEnd = () => {
      cleanup();
      reject(requestError(Object.assign(new Error('connection closed before the response head'), { code: 'UND_ERR_SOCKET' }), {
        operation: req.operation,
        endpoint: '',
        signal: req.signal,
      }));
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        size += chunk.length;
        const all = chunks.length === 1 ? chunk : Buffer.concat(chunks, size);
        const end = all.indexOf('\r\n\r\n');
        if (end === -1) {
          if (size > MAX_HEAD_BYTES) {
            cleanup();
            reject(new ProtocolError(`${req.operation}: response head exceeds ${MAX_HEAD_BYTES} bytes`, { operation: req.operation }));
            return;
          }
          chunks.length = 0;
          chunks.push(all);
          continue;
        }
        cleanup();
        const rest = all.subarray(end + 4);
        if (rest.length > 0) socket.unshift(rest);
        try {
          resolve(parseHead(all.subarray(0, end).toString('latin1'), req.operation));
        } catch (err) {
          reject(err);
        }
        return;
      }
    };
    socket.on('readable', onReadable);
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    onReadable();
  });
}

function parseHead(text: string, operation: string): ParsedHead {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (!m) throw new ProtocolError(`${operation}: not an HTTP response: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`, { operation });
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { statusCode: Number(m[1]), headers };
}

/** Error answers on a connection of our own are ordinary HTTP bodies (length, chunked or to EOF), read up to the cap. */
async function readErrorBody(socket: Duplex, headers: Record<string, string>): Promise<{ data: Buffer; truncated: boolean }> {
  const declared = headers['content-length'] !== undefined ? Number(headers['content-length']) : undefined;
  const decoder = /chunked/i.test(headers['transfer-encoding'] ?? '') ? new ChunkedDecoder('error answer') : undefined;
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of socket as AsyncIterable<Buffer>) {
    let piece = decoder ? decoder.decode(chunk) : chunk;
    if (declared !== undefined && size + piece.length > declared) piece = piece.subarray(0, declared - size);
    parts.push(piece);
    size += piece.length;
    if (decoder?.done || (declared !== undefined && size >= declared) || size > MAX_ERROR_BODY_BYTES) break;
  }
  const data = Buffer.concat(parts, size);
  const truncated = data.length > MAX_ERROR_BODY_BYTES;
  return { data: truncated ? data.subarray(0, MAX_ERROR_BODY_BYTES) : data, truncated };
}
