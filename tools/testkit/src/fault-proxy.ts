/**
 * A fault-injecting proxy in front of a real daemon's unix socket: it listens on a unix
 * socket of its own and, per accepted connection, applies a fault chosen by `plan`:
 *
 * - 'pass': relay bytes both ways, untouched.
 * - 'refuse': close the connection as soon as it is accepted (nothing reaches the daemon).
 * - 'reset-after-request': relay the request to the daemon, wait until the daemon starts
 *   answering (so it has read and acted on the request), then drop both connections
 *   without relaying a byte of the answer: the client sees its connection break after the
 *   daemon did the work, the case where a non-idempotent request must never be resent.
 * - a function: your own fault (the extension point), given the connection to drive.
 *
 * It also sniffs the HTTP/1.1 request heads it relays (method and url, per connection)
 * so tests can count what actually reached the daemon.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  /** Destroy both sides. */
  destroy(): void;
}

export type CustomFault = (conn: ProxyConnection) => void;
export type ProxyFault = 'pass' | 'refuse' | 'reset-after-request' | CustomFault;

export interface SniffedRequest {
  connection: number;
  method: string;
  url: string;
}

export interface FaultProxyOptions {
  /** The daemon's unix socket. */
  target: string;
  /** The fault for the n-th connection (0-based). Default: always 'pass'. */
  plan?: (index: number) => ProxyFault;
}

export interface FaultProxy {
  readonly socketPath: string;
  /** Assign to change the plan for the connections accepted from now on. */
  plan: (index: number) => ProxyFault;
  /** Request heads relayed to the daemon, in order. */
  readonly requests: SniffedRequest[];
  /** Per connection: the fault applied and whether it closed. */
  readonly connections: Array<{ index: number; fault: string; closed: boolean }>;
  /** Sniffed requests whose path (version prefix and query removed) equals `path` or matches it. */
  requestsTo(path: string | RegExp, method?: string): SniffedRequest[];
  transport(): Transport;
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

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'dockline-proxy-'));
  const socketPath = join(dir, 'proxy.sock');
  const requests: SniffedRequest[] = [];
  const connections: FaultProxy['connections'] = [];
  const open = new Set<Socket>();
  let accepted = 0;

  const proxy: FaultProxy = {
    socketPath,
    plan: options.plan ?? (() => 'pass'),
    requests,
    connections,
    requestsTo(path, method) {
      return requests.filter((r) => {
        const p = (r.url.split('?')[0] ?? r.url).replace(VERSION_PREFIX, '');
        return (typeof path === 'string' ? p === path : path.test(p)) && (method === undefined || r.method === method);
      });
    },
    transport: () => unixSocketTransport(socketPath),
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };

  const server = createServer((client) => {
    const index = accepted++;
    const fault = proxy.plan(index);
    const record = { index, fault: typeof fault === 'string' ? fault : fault.name || 'custom', closed: false };
    connections.push(record);
    open.add(client);
    client.on('error', () => undefined);
    client.once('close', () => {
      open.delete(client);
      record.closed = true;
    });
    let up: Socket | undefined;
    const conn: ProxyConnection = {
      index,
      client,
      upstream() {
        if (!up) {
          const socket = connect({ path: options.target });
          up = socket;
          open.add(socket);
          socket.on('error', () => client.destroy());
          socket.once('close', () => {
            open.delete(socket);
            client.destroy();
          });
          client.once('close', () => socket.destroy());
        }
        return up;
      },
      relayRequests(onForwarded) {
        const target = conn.upstream();
        const sniff = requestSniffer((method, url) => requests.push({ connection: index, method, url }));
        client.on('data', (chunk: Buffer) => {
          sniff(chunk);
          target.write(chunk, () => onForwarded?.());
        });
        client.once('end', () => target.end());
      },
      relayResponses() {
        const source = conn.upstream();
        source.on('data', (chunk: Buffer) => client.write(chunk));
        source.once('end', () => client.end());
      },
      destroy() {
        client.destroy();
        up?.destroy();
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
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return proxy;
}

/**
 * Best-effort HTTP/1.1 request framing for a byte stream: reports each request line and
 * skips bodies (Content-Length or chunked). After an Upgrade request the rest is raw
 * (attach / exec) and is not parsed.
 */
function requestSniffer(onRequest: (method: string, url: string) => void): (chunk: Buffer) => void {
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
        onRequest(method, url);
        const headers = new Map(
          lines.slice(1).map((l) => {
            const i = l.indexOf(':');
            return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()] as const;
          }),
        );
        if (/upgrade/i.test(headers.get('connection') ?? '')) {
          state = 'raw';
          return;
        }
        if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) state = 'chunk-size';
        else {
          remaining = Number(headers.get('content-length') ?? 0);
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
