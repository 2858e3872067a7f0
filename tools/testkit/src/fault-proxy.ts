/**
 * A fault-injecting proxy in front of a real daemon. It listens on a unix socket (default)
 * or on a loopback TCP port, relays to the daemon's unix socket (or a plain TCP address)
 * and, per accepted connection, applies a fault chosen by `plan`:
 *
 * - 'pass': relay bytes both ways, untouched.
 * - 'refuse': close the connection as soon as it is accepted (nothing reaches the daemon).
 *   For a real refusal (nothing listens: ENOENT on a unix socket, ECONNREFUSED on TCP) use
 *   `proxy.stopListening()` / `proxy.startListening()`.
 * - 'reset-after-request': relay the request to the daemon, wait until the daemon starts
 *   answering (so it has read and acted on the request), then drop both connections
 *   without relaying a byte of the answer: the client sees its connection break after the
 *   daemon did the work, the case where a non-idempotent request must never be resent.
 * - `httpFault({ action, match })` (http-faults.ts): an HTTP-aware relay that parses the requests and the
 *   daemon's responses on the connection (heads, Content-Length, chunked and
 *   read-to-close bodies, 101 upgrades) and applies `action` to the exchanges whose
 *   request matches, relaying every other exchange untouched: reset before the response,
 *   reset mid-body or mid-stream, delay the head, delay every piece of the body, truncate
 *   the body (a stdcopy frame, an NDJSON line) behind a well-formed end, inject garbage,
 *   answer with a huge error body, or half-close the write side early. See
 *   {@link HttpFaultAction}.
 * - a function: your own fault (the extension point), given the connection to drive.
 *
 * It also sniffs the HTTP/1.1 request heads it relays (method and url, per connection)
 * so tests can count what actually reached the daemon, and records every fault it applied
 * (`proxy.faults`) so a test can prove that its fault fired.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Transport } from '@dockline/core';
import { unixSocketTransport } from './fake-daemon.js';

export interface ProxyConnection {
  /** 0-based, in accept order. */
  readonly index: number;
  /** The client side (our listener's socket). */
  readonly client: Socket;
  /** Open the connection to the daemon (once; later calls return the same socket). */
  upstream(): Socket;
  /** Relay client -> daemon, sniffing request heads; `onForwarded` runs after each chunk was written. */
  relayRequests(onForwarded?: () => void): void;
  /** Relay daemon -> client. */
  relayResponses(): void;
  /** Destroy both sides (with a TCP RST toward the client when it is a TCP socket). */
  destroy(): void;
  /**
   * From now on, the daemon side closing no longer destroys the client side: the fault
   * decides how the client's connection ends (a clean end after a truncated body, say).
   */
  detachUpstream(): void;
  /** Request heads sniffed on this connection whose responses have not been read yet (HTTP-aware faults). */
  readonly pending: SniffedRequest[];
}

export type CustomFault = (conn: ProxyConnection) => void;
export type ProxyFault = 'pass' | 'refuse' | 'reset-after-request' | CustomFault;

export interface SniffedRequest {
  connection: number;
  method: string;
  url: string;
  /** Lower-cased header names. */
  headers?: Record<string, string>;
}

/** Where a target or listener is: a unix socket path, or a TCP address. */
export type ProxyAddress = string | { host: string; port: number };

export interface FaultProxyOptions {
  /** The daemon: its unix socket path, or a plain (not TLS) TCP address. */
  target: ProxyAddress;
  /** Listen on a unix socket in a temp dir (default) or on 127.0.0.1:<random port>. */
  listen?: 'unix' | 'tcp';
  /** The fault for the n-th connection (0-based). Default: always 'pass'. */
  plan?: (index: number) => ProxyFault;
}

export interface AppliedFault {
  connection: number;
  /** The request whose exchange was faulted. */
  request: SniffedRequest;
  /** The action's kind, e.g. 'reset-mid-body'. */
  action: string;
  /** HTTP status the daemon answered (undefined when the fault struck before a head). */
  status?: number | undefined;
  /** Payload bytes of the daemon's answer that reached the client before the fault struck. */
  payloadBytes?: number | undefined;
}

export interface FaultProxy {
  /** The unix socket path ('' for a TCP listener). */
  readonly socketPath: string;
  /** The TCP port (0 for a unix listener). */
  readonly port: number;
  /** A DOCKER_HOST value for the proxy: unix:///... or tcp://127.0.0.1:PORT. */
  readonly host: string;
  /** Assign to change the plan for the connections accepted from now on. */
  plan: (index: number) => ProxyFault;
  /** Request heads relayed to the daemon, in order. */
  readonly requests: SniffedRequest[];
  /** Per connection: the fault applied and whether it closed. */
  readonly connections: Array<{ index: number; fault: string; closed: boolean }>;
  /** Every fault an HTTP-aware relay applied, in order. */
  readonly faults: AppliedFault[];
  /** Sniffed requests whose path (version prefix and query removed) equals `path` or matches it. */
  requestsTo(path: string | RegExp, method?: string): SniffedRequest[];
  transport(): Transport;
  /** Connections open right now (client sides). */
  openConnections(): number;
  /** Destroy every open connection (a client's pooled ones included). */
  destroyConnections(): void;
  /** Stop accepting: connects fail as if nothing listened (ENOENT on unix, ECONNREFUSED on TCP). Open connections stay. */
  stopListening(): Promise<void>;
  /** Accept again, on the same path or port. */
  startListening(): Promise<void>;
  close(): Promise<void>;
}

/** Faults other modules may add to (name -> behaviour). */
export const FAULTS: Record<string, CustomFault> = {
  pass(conn) {
    conn.relayRequests();
    conn.relayResponses();
  },
  refuse(conn) {
    conn.destroy();
  },
  'reset-after-request'(conn) {
    conn.relayRequests();
    // The daemon's first byte of answer proves it read the request and acted on it.
    conn.upstream().once('data', () => conn.destroy());
  },
};

const VERSION_PREFIX = /^\/v\d+\.\d+(?=\/)/;

/** The path of a request url without the /vX.Y prefix and the query. */
export function unversionedPath(url: string): string {
  return (url.split('?')[0] ?? url).replace(VERSION_PREFIX, '');
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const listenTcp = options.listen === 'tcp';
  const dir = listenTcp ? '' : await mkdtemp(join(tmpdir(), 'dockline-proxy-'));
  const socketPath = listenTcp ? '' : join(dir, 'proxy.sock');
  let port = 0;
  const requests: SniffedRequest[] = [];
  const connections: FaultProxy['connections'] = [];
  const faults: AppliedFault[] = [];
  const open = new Set<Socket>();
  const clients = new Set<Socket>();
  let accepted = 0;
  let server: Server | undefined;

  const proxy: FaultProxy & { recordFault(f: AppliedFault): void } = {
    socketPath,
    get port() {
      return port;
    },
    get host() {
      return listenTcp ? `tcp://127.0.0.1:${port}` : `unix://${socketPath}`;
    },
    plan: options.plan ?? (() => 'pass'),
    requests,
    connections,
    faults,
    recordFault: (f) => faults.push(f),
    requestsTo(path, method) {
      return requests.filter((r) => {
        const p = unversionedPath(r.url);
        return (typeof path === 'string' ? p === path : path.test(p)) && (method === undefined || r.method === method);
      });
    },
    transport: () => (listenTcp ? tcpSocketTransport('127.0.0.1', port) : unixSocketTransport(socketPath)),
    openConnections: () => clients.size,
    destroyConnections() {
      for (const s of open) s.destroy();
    },
    async stopListening() {
      const s = server;
      server = undefined;
      if (!s) return;
      // close() stops accepting at once (and unlinks a unix socket); its callback waits for
      // open connections, which stay: do not wait for it.
      await new Promise<void>((resolve) => {
        s.close();
        setImmediate(resolve);
      });
    },
    async startListening() {
      if (server) return;
      server = await listen(createServer({ allowHalfOpen: true }, onConnection));
    },
    async close() {
      for (const s of open) s.destroy();
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };

  function onConnection(client: Socket): void {
    const index = accepted++;
    const fault = proxy.plan(index);
    const record = { index, fault: typeof fault === 'string' ? fault : fault.name || 'custom', closed: false };
    connections.push(record);
    open.add(client);
    clients.add(client);
    client.on('error', () => undefined);
    client.once('close', () => {
      open.delete(client);
      clients.delete(client);
      record.closed = true;
    });
    let up: Socket | undefined;
    let detached = false;
    const pending: SniffedRequest[] = [];
    const conn: ProxyConnection & { proxy: typeof proxy } = {
      index,
      client,
      pending,
      proxy,
      upstream() {
        if (!up) {
          const target = options.target;
          // Half-open both ways: a hijacked exec's stdin ends (FIN) long before its output does.
          const socket =
            typeof target === 'string' ? connect({ path: target, allowHalfOpen: true }) : connect({ host: target.host, port: target.port, allowHalfOpen: true });
          up = socket;
          open.add(socket);
          socket.on('error', () => {
            if (!detached) client.destroy();
          });
          socket.once('close', () => {
            open.delete(socket);
            if (!detached) client.destroy();
          });
          client.once('close', () => socket.destroy());
        }
        return up;
      },
      relayRequests(onForwarded) {
        const target = conn.upstream();
        const sniff = requestSniffer((method, url, headers) => {
          const r: SniffedRequest = { connection: index, method, url, headers };
          requests.push(r);
          pending.push(r);
        });
        client.on('data', (chunk: Buffer) => {
          sniff(chunk);
          if (!target.destroyed) target.write(chunk, () => onForwarded?.());
        });
        client.once('end', () => target.end());
      },
      relayResponses() {
        const source = conn.upstream();
        source.on('data', (chunk: Buffer) => client.write(chunk));
        source.once('end', () => client.end());
      },
      destroy() {
        // A TCP client gets an RST (ECONNRESET), as from a crashed peer; a unix socket has none.
        if (client.remoteFamily !== undefined) {
          try {
            client.resetAndDestroy();
          } catch {
            client.destroy();
          }
        } else client.destroy();
        up?.destroy();
      },
      detachUpstream() {
        detached = true;
      },
    };
    const behaviour = typeof fault === 'function' ? fault : FAULTS[fault];
    if (!behaviour) {
      // A test's mistake: make it loud on the client side rather than crash the runner.
      record.fault = `unknown fault ${JSON.stringify(fault)}`;
      conn.destroy();
      return;
    }
    behaviour(conn);
  }

  async function listen(s: Server): Promise<Server> {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      const done = () => {
        s.off('error', reject);
        resolve();
      };
      if (listenTcp) s.listen(port, '127.0.0.1', done);
      else s.listen(socketPath, done);
    });
    if (listenTcp) port = (s.address() as { port: number }).port;
    return s;
  }

  server = await listen(createServer({ allowHalfOpen: true }, onConnection));
  return proxy;
}

/** A minimal plain-TCP Transport (what tcpTransport without TLS does), for a TCP proxy listener. */
export function tcpSocketTransport(host: string, port: number): Transport {
  return {
    kind: 'tcp',
    endpoint: `tcp://${host}:${port}`,
    host: `${host}:${port}`,
    networkTransport: 'tcp',
    connect({ signal } = {}) {
      return new Promise<Duplex>((resolve, reject) => {
        if (signal?.aborted) {
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
          return;
        }
        const socket = connect({ host, port });
        const onAbort = () => {
          socket.destroy();
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        const onError = (err: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        };
        socket.once('error', onError);
        socket.once('connect', () => {
          signal?.removeEventListener('abort', onAbort);
          socket.off('error', onError);
          resolve(socket);
        });
      });
    },
    async close() {},
  };
}

/**
 * Best-effort HTTP/1.1 request framing for a byte stream: reports each request line (and
 * its headers) and skips bodies (Content-Length or chunked). After an Upgrade request the
 * rest is raw (attach / exec) and is not parsed.
 */
function requestSniffer(onRequest: (method: string, url: string, headers: Record<string, string>) => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  let state: 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-trailer' | 'raw' = 'head';
  let remaining = 0;
  return (chunk) => {
    if (state === 'raw') return;
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    for (;;) {
      if (state === 'head') {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
        buf = buf.subarray(end + 4);
        const [method = '', url = ''] = (lines[0] ?? '').split(' ');
        const headers = parseHeaderLines(lines.slice(1));
        onRequest(method, url, headers);
        if (/upgrade/i.test(headers.connection ?? '')) {
          state = 'raw';
          return;
        }
        if (/chunked/i.test(headers['transfer-encoding'] ?? '')) state = 'chunk-size';
        else {
          remaining = Number(headers['content-length'] ?? 0);
          state = remaining > 0 ? 'body' : 'head';
        }
      } else if (state === 'body' || state === 'chunk-data') {
        const take = Math.min(remaining, buf.length);
        buf = buf.subarray(take);
        remaining -= take;
        if (remaining > 0) return;
        state = state === 'body' ? 'head' : 'chunk-trailer';
      } else if (state === 'chunk-trailer') {
        // The CRLF after a chunk's data.
        if (buf.length < 2) return;
        buf = buf.subarray(2);
        state = 'chunk-size';
      } else if (state === 'chunk-size') {
        const end = buf.indexOf('\r\n');
        if (end === -1) return;
        const size = parseInt(buf.subarray(0, end).toString('latin1'), 16);
        buf = buf.subarray(end + 2);
        if (!(size > 0)) {
          // Last chunk: skip the (empty) trailer section.
          const t = buf.indexOf('\r\n');
          buf = t === -1 ? Buffer.alloc(0) : buf.subarray(t + 2);
          state = 'head';
        } else {
          remaining = size;
          state = 'chunk-data';
        }
      }
    }
  };
}

/** @internal Header lines to a map with lower-cased names (shared with http-faults.ts). */
export function parseHeaderLines(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i <= 0) continue;
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return headers;
}
