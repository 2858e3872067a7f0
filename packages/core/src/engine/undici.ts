import type { Duplex } from 'node:stream';
import { Pool } from 'undici';
import { connectError } from '../connection-errors.js';
import { assertTransport, type Transport } from '../transport.js';
import type { Handler } from '../types.js';
import { send } from './dispatch.js';
import { hijack } from './hijack.js';
import { rawStream } from './raw-stream.js';

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
  const dedicatedStreams = transport.dedicatedStreams === true;
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

  const handler: Handler = (req) => {
    if (closed) {
      return Promise.reject(connectError(Object.assign(new Error('client closed'), { code: 'ECLIENTCLOSED' }), endpoint, transport.kind));
    }
    if (req.response === 'hijack') return hijack(transport, req, host);
    // A streamed answer to a GET (logs, stats, events, export) is read by hand on a
    // connection of its own when connections are cheap: see raw-stream.ts.
    if (dedicatedStreams && req.response === 'stream' && req.method === 'GET' && (req.body === undefined || req.body === null)) {
      return rawStream(transport, req, host);
    }
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

export type { Duplex };
