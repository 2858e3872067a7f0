import { Pool } from 'undici';
import { connectError } from '../connection-errors.js';
import { InvalidParameterError } from '../errors.js';
import { assertTransport, type Transport } from '../transport.js';
import type { Handler } from '../types.js';
import { hijack } from './hijack.js';
import { MAX_HEAD_BYTES } from './http-head.js';
import { DEFAULT_MAX_RESPONSE_BYTES, sendPooled, type PooledTarget } from './pooled.js';
import { sendStream } from './stream.js';

export interface TransportHandlerOptions {
  /** Upper bound on pooled connections to the daemon (short answers). Default 16. */
  connections?: number;
  /** How long an idle pooled connection is kept. Default 4000 ms. */
  keepAliveTimeoutMs?: number;
  /** Cap on a buffered ('json') answer in bytes; a request's own `maxResponseBytes` wins. Default 64 MiB. */
  maxResponseBytes?: number;
}

export interface TransportHandler {
  /** The terminal handler for compose(). */
  handler: Handler;
  /** The undici dispatcher of short answers (for diagnostics; do not close it directly). */
  dispatcher: Pool;
  transport: Transport;
  /** Closes the pool (idle connections at once, busy ones after their request) and the transport. */
  close(): Promise<void>;
}

/**
 * The terminal handler over a Transport. Two ways out, by what the answer is:
 * - short answers ('json', 'empty') go through an undici Pool whose `connect` asks the
 *   transport for a Duplex: keep-alive pooling and HTTP/1.1 parsing (pooled.ts);
 * - streams and hijacks get a connection of their own from the same transport, with one
 *   HTTP/1.1 exchange read by hand (exchange.ts): a stream holds its connection for its
 *   whole life anyway, and decoding its chunks in place costs about half undici's CPU.
 */
export function createTransportHandler(transport: Transport, options: TransportHandlerOptions = {}): TransportHandler {
  assertTransport(transport);
  const endpoint = transport.endpoint;
  const host = transport.host ?? 'localhost';
  const connections = options.connections ?? 16;
  if (!Number.isInteger(connections) || connections < 1) {
    throw new InvalidParameterError(`dockline: connections must be a positive integer, got ${String(options.connections)}`);
  }
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 1) {
    throw new InvalidParameterError(`dockline: maxResponseBytes must be a positive integer (bytes), got ${String(options.maxResponseBytes)}`);
  }
  const pool = new Pool(`http://${host}`, {
    connections,
    pipelining: 1,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 4000,
    maxHeaderSize: MAX_HEAD_BYTES,
    // Deadlines belong to the call (req.deadline): undici's own timers stay off.
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
  const pooled: PooledTarget = { pool, endpoint, maxResponseBytes };
  const own = { transport, host };
  let closed = false;

  const handler: Handler = (req) => {
    if (closed) {
      return Promise.reject(connectError(Object.assign(new Error('client closed'), { code: 'ECLIENTCLOSED' }), endpoint, transport.kind));
    }
    switch (req.response) {
      case 'hijack':
        return hijack(own, req);
      case 'stream':
        return sendStream(own, req);
      default:
        return sendPooled(pooled, req);
    }
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
