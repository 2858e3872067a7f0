import { PassThrough, type Readable } from 'node:stream';
import type { Duplex } from 'node:stream';
import { Pool } from 'undici';
import { ProtocolError } from '../errors.js';
import { connectError, requestError } from '../connection-errors.js';
import { errorFromStatus } from '../status-to-error.js';
import { assertTransport, type Transport } from '../transport.js';
import type { DockerRequest, DockerResponse, Handler } from '../types.js';
import { encodeBody, encodeQuery, mergeHeaders } from './encode.js';
import { hijack } from './hijack.js';
import { readCapped } from './read-body.js';

export interface TransportHandlerOptions {
  /** Upper bound on pooled connections to the daemon. Default 16. */
  connections?: number;
  /** How long an idle pooled connection is kept. Default 4000 ms. */
  keepAliveTimeoutMs?: number;
}

export interface TransportHandler {
  /** The terminal handler for compose(). */
  handler: Handler;
  /** The undici dispatcher (for diagnostics; do not close it directly). */
  dispatcher: Pool;
  transport: Transport;
  /** Closes the pool (idle connections at once, busy ones after their request) and the transport. */
  close(): Promise<void>;
}

/**
 * Plug a Transport into undici: a Pool whose `connect` asks the transport for a Duplex,
 * so every transport gets keep-alive pooling and HTTP/1.1 parsing for free.
 */
export function createTransportHandler(transport: Transport, options: TransportHandlerOptions = {}): TransportHandler {
  assertTransport(transport);
  const endpoint = transport.endpoint;
  const host = transport.host ?? 'localhost';
  const connections = options.connections ?? 16;
  if (!Number.isInteger(connections) || connections < 1) {
    throw new TypeError(`dockline: connections must be a positive integer, got ${String(options.connections)}`);
  }
  const pool = new Pool(`http://${host}`, {
    connections,
    pipelining: 1,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 4000,
    // Deadlines belong to the timeout middleware: logs --follow may be silent for hours.
    headersTimeout: 0,
    bodyTimeout: 0,
    connect: (_opts, callback) => {
      transport.connect({}).then(
        // undici drives any Duplex (net, tls, ssh2 channels); its types say net.Socket.
        (socket) => (callback as (err: Error | null, socket: unknown) => void)(null, socket),
        (err: unknown) => (callback as (err: Error | null, socket: unknown) => void)(connectError(err, endpoint, transport.kind), null),
      );
    },
  });
  let closed = false;

  const handler: Handler = async (req) => {
    if (closed) {
      throw connectError(Object.assign(new Error('client closed'), { code: 'ECLIENTCLOSED' }), endpoint, transport.kind);
    }
    if (req.response === 'hijack') return hijack(transport, req, host);
    return send(pool, req, endpoint);
  };

  return {
    handler,
    dispatcher: pool,
    transport,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await pool.close();
      } finally {
        await transport.close();
      }
    },
  };
}

async function send(pool: Pool, req: DockerRequest, endpoint: string): Promise<DockerResponse> {
  const ctx = { operation: req.operation, endpoint, signal: req.signal };
  if (req.signal?.aborted) throw requestError(req.signal.reason, ctx);
  const { body, contentType, length } = encodeBody(req);
  const headers = mergeHeaders(
    {
      ...(contentType ? { 'content-type': contentType } : {}),
      ...(length !== undefined && req.method !== 'GET' && req.method !== 'HEAD' ? { 'content-length': String(length) } : {}),
    },
    req.headers,
  );
  let res: Awaited<ReturnType<Pool['request']>>;
  try {
    res = await pool.request({
      method: req.method,
      path: req.path + encodeQuery(req.query),
      headers,
      body: body as string | Buffer | Uint8Array | Readable | undefined,
      signal: req.signal,
      // Never follow redirects: a daemon does not send them, a proxy that does is not trusted.
      maxRedirections: 0,
    } as Parameters<Pool['request']>[0]);
  } catch (err) {
    throw requestError(err, ctx);
  }
  const { statusCode } = res;
  const headersOut = res.headers as Record<string, string | string[] | undefined>;
  if (statusCode >= 400 || (statusCode >= 300 && statusCode !== 304)) {
    let data: Buffer | undefined;
    let truncated = false;
    try {
      ({ data, truncated } = await readCapped(res.body));
    } catch (err) {
      throw requestError(err, ctx);
    } finally {
      if (!res.body.destroyed) res.body.destroy();
    }
    throw errorFromStatus(statusCode, data, { operation: req.operation, endpoint, truncated });
  }

  switch (req.response) {
    case 'stream':
      return { statusCode, headers: headersOut, stream: mapStreamErrors(res.body, req, endpoint), request: req };
    case 'empty':
      try {
        await res.body.dump({ limit: 1024 * 1024 });
      } catch (err) {
        throw requestError(err, ctx);
      }
      return { statusCode, headers: headersOut, request: req };
    case 'json':
    default: {
      let text: string;
      try {
        text = await res.body.text();
      } catch (err) {
        throw requestError(err, ctx);
      }
      let parsed: unknown;
      if (text.trim() !== '') {
        try {
          parsed = JSON.parse(text);
        } catch (err) {
          throw new ProtocolError(
            `${req.operation}: the daemon's answer is not JSON: ${JSON.stringify(text.slice(0, 200))}`,
            { operation: req.operation, endpoint, statusCode, cause: err },
          );
        }
      }
      return { statusCode, headers: headersOut, body: parsed, request: req };
    }
  }
}

/**
 * The body of a streamed response, with undici's errors mapped to dockline's classes
 * (a reset mid-stream is a ConnectionError, an abort an AbortError or TimeoutError).
 * Destroying it releases the connection.
 */
function mapStreamErrors(body: Readable, req: DockerRequest, endpoint: string): Readable {
  // A plain pipe: backpressure from the consumer, no per-chunk async hop, and undici's
  // errors swapped for dockline's on the way. Destroying the result (a consumer that stops
  // early) destroys the body, which frees the connection even when the daemon is quiet.
  const out = new PassThrough({ highWaterMark: 64 * 1024 });
  body.on('error', (err) => out.destroy(requestError(err, { operation: req.operation, endpoint, signal: req.signal })));
  out.on('close', () => {
    if (!body.destroyed) body.destroy();
  });
  body.pipe(out);
  return out;
}

export type { Duplex };
