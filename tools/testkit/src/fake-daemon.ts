/**
 * A scripted fake Docker daemon: a node:http server on a unix socket in a temp dir that
 * records every request it receives (method, url, headers, body, which connection) and
 * answers as a script says: any status and headers, a delay, a head that never comes, a
 * reset instead of an answer, a body streamed in chunks that ends, stays open or breaks.
 *
 * It exists because a real dockerd cannot be made to do these things on demand (be slow,
 * hang, answer 503 or 429, drop Api-Version, refuse HEAD, reset mid-body); everything a
 * real daemon can show is tested against the real one.
 *
 * Like moby's client_mock_test.go, it answers `/_ping` (HEAD and GET, versioned or not)
 * by itself unless the script answers first.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Transport } from '@dockline/core';

export interface FakeRequest {
  /** 0-based position among all requests this daemon received. */
  index: number;
  /** 0-based id of the connection it came on. */
  connection: number;
  method: string;
  /** As received: path and query, e.g. /v1.41/containers/abc/json?size=1. */
  url: string;
  /** The path without the query. */
  path: string;
  /** Lower-cased names, as node:http gives them. */
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Resolves when the connection this request came on closes. */
  socketClosed: Promise<void>;
}

export interface FakeReply {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else as JSON. Default none. */
  body?: unknown;
  /** Wait this long (ms) before doing anything else. */
  delayMs?: number;
  /** Never send the head: the request hangs until the client gives up. */
  hang?: boolean;
  /** Destroy the connection instead of answering (after delayMs). */
  reset?: boolean;
  /** Send the body as these chunks, `chunkDelayMs` apart (chunked encoding). */
  chunks?: Array<string | Buffer>;
  /** Delay between chunks, ms. Default 10. */
  chunkDelayMs?: number;
  /** After the chunks: 'end' the body (default), keep it 'open' forever, or 'reset' the connection mid-body. */
  after?: 'end' | 'open' | 'reset';
}

/** Return a reply, or undefined to get the default (a ping answer for /_ping, else 200 `{}`). */
export type FakeScript = (req: FakeRequest) => FakeReply | undefined | Promise<FakeReply | undefined>;

export interface FakeDaemonOptions {
  script?: FakeScript;
  /** Api-Version header sent with every answer; null for none. Default '1.41'. */
  apiVersion?: string | null;
}

export interface FakeDaemon {
  readonly socketPath: string;
  /** Every request received, in order. */
  readonly requests: FakeRequest[];
  /** The current script; assign to change it between steps of a test. */
  script: FakeScript | undefined;
  /** Api-Version header sent with every answer; null for none. */
  apiVersion: string | null;
  /** Requests whose path (version prefix removed) equals `path` or matches it. */
  requestsTo(path: string | RegExp, method?: string): FakeRequest[];
  /** Connections accepted so far. */
  connectionsOpened(): number;
  /** Connections currently open. */
  openConnections(): number;
  /** A transport to this daemon (what unixTransport would give, without the dependency). */
  transport(): Transport;
  close(): Promise<void>;
}

const VERSION_PREFIX = /^\/v\d+\.\d+(?=\/)/;

export async function startFakeDaemon(options: FakeDaemonOptions = {}): Promise<FakeDaemon> {
  const dir = await mkdtemp(join(tmpdir(), 'dockline-fake-'));
  const socketPath = join(dir, 'docker.sock');
  const requests: FakeRequest[] = [];
  const sockets = new Set<Socket>();
  const socketIds = new WeakMap<Socket, { id: number; closed: Promise<void> }>();
  const timers = new Set<NodeJS.Timeout>();
  let opened = 0;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const daemon: FakeDaemon = {
    socketPath,
    requests,
    script: options.script,
    apiVersion: options.apiVersion === undefined ? '1.41' : options.apiVersion,
    requestsTo(path, method) {
      return requests.filter((r) => {
        const p = r.path.replace(VERSION_PREFIX, '');
        return (typeof path === 'string' ? p === path : path.test(p)) && (method === undefined || r.method === method);
      });
    },
    connectionsOpened: () => opened,
    openConnections: () => sockets.size,
    transport: () => unixSocketTransport(socketPath),
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const chunk of req) parts.push(chunk as Buffer);
    const url = req.url ?? '/';
    const meta = socketIds.get(req.socket);
    const received: FakeRequest = {
      index: requests.length,
      connection: meta?.id ?? -1,
      method: req.method ?? 'GET',
      url,
      path: url.split('?')[0] ?? url,
      headers: req.headers,
      body: Buffer.concat(parts),
      socketClosed: meta?.closed ?? Promise.resolve(),
    };
    requests.push(received);
    const reply = (await daemon.script?.(received)) ?? defaultReply(received);
    if (reply.delayMs) await wait(reply.delayMs);
    if (reply.hang) return;
    if (reply.reset) {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = { server: 'Docker/fake (linux)', ostype: 'linux', 'docker-experimental': 'false' };
    if (daemon.apiVersion !== null) headers['api-version'] = daemon.apiVersion;
    Object.assign(headers, reply.headers);
    const status = reply.status ?? 200;
    if (reply.chunks) {
      res.writeHead(status, headers);
      res.flushHeaders();
      for (const chunk of reply.chunks) {
        await wait(reply.chunkDelayMs ?? 10);
        if (res.destroyed) return;
        res.write(chunk);
      }
      if (reply.after === 'open') return;
      if (reply.after === 'reset') {
        await wait(reply.chunkDelayMs ?? 10);
        req.socket.destroy();
        return;
      }
      res.end();
      return;
    }
    let body: Buffer | undefined;
    if (reply.body !== undefined) {
      if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) body = Buffer.from(reply.body);
      else {
        body = Buffer.from(JSON.stringify(reply.body));
        headers['content-type'] ??= 'application/json';
      }
    }
    if (body) headers['content-length'] = String(body.length);
    res.writeHead(status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    const id = opened++;
    sockets.add(socket);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socketIds.set(socket, { id, closed });
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return daemon;
}

function defaultReply(req: FakeRequest): FakeReply {
  if (req.path.replace(VERSION_PREFIX, '') === '/_ping' && (req.method === 'GET' || req.method === 'HEAD')) {
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache, no-store, must-revalidate' }, body: 'OK' };
  }
  return { status: 200, body: {} };
}

/** A minimal unix-socket Transport (what @dockline/transport-unix does), for the fake daemon and the fault proxy. */
export function unixSocketTransport(socketPath: string): Transport {
  return {
    kind: 'unix',
    endpoint: `unix://${socketPath}`,
    host: 'localhost',
    networkTransport: 'unix',
    connect({ signal } = {}) {
      return new Promise<Duplex>((resolve, reject) => {
        if (signal?.aborted) {
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
          return;
        }
        const socket = connect({ path: socketPath });
        const onAbort = () => {
          socket.destroy();
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        socket.once('connect', () => {
          signal?.removeEventListener('abort', onAbort);
          socket.off('error', onError);
          resolve(socket);
        });
        const onError = (err: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        };
        socket.once('error', onError);
      });
    },
    async close() {},
  };
}

/**
 * Wrap a transport so that its first `failures` connects fail as if nothing listened
 * (ECONNREFUSED) without touching the daemon; later connects go through. `attempts()`
 * counts every connect.
 */
export function refusingConnects(inner: Transport, failures = 1): Transport & { attempts(): number } {
  let count = 0;
  return {
    kind: inner.kind,
    endpoint: inner.endpoint,
    ...(inner.host !== undefined ? { host: inner.host } : {}),
    ...(inner.networkTransport !== undefined ? { networkTransport: inner.networkTransport } : {}),
    connect(opts) {
      count++;
      if (count <= failures) {
        const path = inner.endpoint.replace(/^unix:\/\//, '');
        return Promise.reject(Object.assign(new Error(`connect ECONNREFUSED ${path}`), { code: 'ECONNREFUSED', syscall: 'connect' }));
      }
      return inner.connect(opts);
    },
    close: () => inner.close(),
    attempts: () => count,
  };
}
