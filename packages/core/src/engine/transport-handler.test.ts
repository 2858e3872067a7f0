// These tests use a scripted server on a unix socket: a real daemon cannot be made to send a
// 10 MiB error body, malformed JSON, a reset mid-body or a 200 answer to an upgrade.
import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, type ConnectionOptions } from 'node:tls';
import { Readable, Writable, type Duplex } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { copyStream } from '../codecs/pump.js';
import { demuxStream } from '../codecs/stdcopy.js';
import { Deadline } from '../deadline.js';
import { readDirect } from '../direct-read.js';
import { AbortError, ConnectionError, InvalidParameterError, NotFoundError, ProtocolError, ServerError, TimeoutError } from '../errors.js';
import { createPipeline, type Pipeline } from '../pipeline.js';
import type { Transport } from '../transport.js';
import type { DockerRequest } from '../types.js';

const dir = mkdtempSync(join(tmpdir(), 'dockline-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
let server: Server | undefined;
let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  pipeline = undefined;
});

/**
 * How the transport reads a stream: 'events' ignores core's onread ('data' events);
 * 'onread' passes it on to net.connect, as the unix and TCP transports do (one call per
 * kernel read); 'tls' speaks TLS and passes it on to tls.connect, as the TLS transport
 * does (one call per TLS record, even after pause(): Node hands on all it decrypted).
 */
type ReadMode = 'events' | 'onread' | 'tls';

/** TLS with a pre-shared key: real TLS records over the test's unix socket, no certificates to make. */
const PSK = Buffer.from('dockline test key, not a secret');
const PSK_TLS = { ciphers: 'PSK-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' } as const;

/**
 * Serve each connection with `onRequest(head, socket)` once a request head arrived, read
 * the way `reads` says; `onreadBytes` counts what came through core's onread.
 */
async function serve(
  onRequest: (head: string, socket: Socket) => void,
  options: { dedicatedStreams?: boolean; reads?: ReadMode } = {},
): Promise<{ transport: Transport; connections: () => number; bytesSent: () => number; onreadBytes: () => number }> {
  const path = join(dir, `s${n++}.sock`);
  let connections = 0;
  let bytesSent = 0;
  let onreadBytes = 0;
  const listen = options.reads === 'tls' ? (fn: (s: Socket) => void) => createTlsServer({ ...PSK_TLS, pskCallback: () => PSK }, fn) : createServer;
  server = listen((socket) => {
    connections++;
    let buf = '';
    const origWrite = socket.write.bind(socket);
    socket.write = ((chunk: string | Buffer, ...rest: never[]) => {
      bytesSent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      return origWrite(chunk, ...rest);
    }) as typeof socket.write;
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end !== -1) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        onRequest(head, socket);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server!.listen(path, resolve));
  const transport: Transport = {
    kind: 'unix',
    endpoint: `unix://${path}`,
    dedicatedStreams: options.dedicatedStreams,
    connect: ({ onread }) =>
      new Promise<Duplex>((resolve, reject) => {
        const counted = onread && {
          buffer: onread.buffer,
          callback: (bytes: number, buf: Uint8Array) => {
            onreadBytes += bytes;
            return onread.callback(bytes, buf);
          },
        };
        const mode = options.reads ?? 'events';
        if (mode === 'tls') {
          const t = tlsConnect({ path, ...PSK_TLS, pskCallback: () => ({ psk: PSK, identity: 'test' }), checkServerIdentity: () => undefined, ...(counted ? { onread: counted } : {}) } as ConnectionOptions);
          t.once('secureConnect', () => resolve(t));
          t.once('error', reject);
          return;
        }
        const s = mode === 'onread' && counted ? connect({ path, onread: counted }) : connect(path);
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      }),
    close: async () => undefined,
  };
  return { transport, connections: () => connections, bytesSent: () => bytesSent, onreadBytes: () => onreadBytes };
}

/**
 * Answers 200 with `pieces` as HTTP chunks, one write each and `perTurn` per turn of the
 * server's loop, as the daemon flushes log lines; then the last chunk.
 */
function answerChunked(socket: Socket, pieces: readonly (string | Buffer)[], perTurn: number): void {
  socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
  let i = 0;
  const burst = (): void => {
    for (let k = 0; k < perTurn && i < pieces.length; k++, i++) {
      const piece = typeof pieces[i] === 'string' ? Buffer.from(pieces[i]!) : (pieces[i] as Buffer);
      socket.write(Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]));
    }
    if (i < pieces.length) setImmediate(burst);
    else socket.write('0\r\n\r\n');
  };
  burst();
}

const req = (over: Partial<DockerRequest> = {}): DockerRequest => ({
  operation: 'ContainerInspect',
  method: 'GET',
  path: '/containers/x/json',
  route: '/containers/{id}/json',
  response: 'json',
  idempotent: true,
  longRunning: false,
  ...over,
});

describe('terminal handler over undici (scripted server)', () => {
  it('reads an error body up to 1 MiB, never the whole 10 MiB, and keeps the connection usable', async () => {
    const big = '{"message":"' + 'x'.repeat(10 * 1024 * 1024) + '"}';
    let count = 0;
    const s = await serve((_head, socket) => {
      count++;
      if (count === 1) {
        socket.write(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n`);
        socket.write(big);
      } else {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
      }
    });
    pipeline = createPipeline({ transport: s.transport });
    const err = (await pipeline.send(req()).catch((e: unknown) => e)) as ServerError;
    expect(err).toBeInstanceOf(ServerError);
    expect(err.message).toContain('error body truncated at 1 MiB');
    // The daemon message is quoted, shortened: the error never carries megabytes.
    expect(err.message.length).toBeLessThan(4096);
    const ok = await pipeline.send(req());
    expect(ok.body).toEqual({});
  });

  it('malformed JSON is a ProtocolError quoting the start of the body', async () => {
    const s = await serve((_h, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{"Id": 1,'));
    pipeline = createPipeline({ transport: s.transport });
    const err = await pipeline.send(req()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message).toContain('{\\"Id\\": 1,');
  });

  it('a connection cut mid-body is a ConnectionError that did reach the daemon', async () => {
    const s = await serve((_h, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"Id":');
      setTimeout(() => socket.destroy(), 20);
    });
    pipeline = createPipeline({ transport: s.transport });
    const err = (await pipeline.send(req()).catch((e: unknown) => e)) as ConnectionError;
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.connectFailed).toBe(false);
    expect(err.message).toContain('ContainerInspect');
  });

  it('a connection cut mid-stream surfaces as a ConnectionError from the stream', async () => {
    const s = await serve((_h, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
      setTimeout(() => socket.destroy(), 20);
    });
    pipeline = createPipeline({ transport: s.transport });
    const res = await pipeline.send(req({ operation: 'ContainerLogs', response: 'stream' }));
    const chunks: Buffer[] = [];
    const err = await (async () => {
      for await (const c of res.stream!) chunks.push(c as Buffer);
    })().catch((e: unknown) => e);
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    expect(err).toBeInstanceOf(ConnectionError);
  });

  it('reuses a kept-alive connection for sequential requests', async () => {
    const s = await serve((_h, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'));
    pipeline = createPipeline({ transport: s.transport });
    for (let i = 0; i < 20; i++) await pipeline.send(req());
    // undici may open a second socket when the next request is queued in the same tick the
    // first response ends; without keep-alive this would be 20.
    expect(s.connections()).toBeLessThanOrEqual(2);
  });

  it('never opens more than `connections` sockets', async () => {
    const s = await serve((_h, socket) => setTimeout(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'), 10));
    pipeline = createPipeline({ transport: s.transport, connections: 3 });
    await Promise.all(Array.from({ length: 30 }, () => pipeline!.send(req())));
    expect(s.connections()).toBeLessThanOrEqual(3);
  });
});

describe('hijack (scripted server)', () => {
  it('sends Connection: Upgrade / Upgrade: tcp and accepts a plain 200 answer, keeping bytes that came with the head', async () => {
    let head = '';
    const s = await serve((h, socket) => {
      head = h;
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nearly-bytes');
      socket.on('data', (d) => socket.write(d));
      socket.on('end', () => socket.end());
    });
    pipeline = createPipeline({ transport: s.transport });
    const res = await pipeline.send(req({ operation: 'ExecStart', method: 'POST', path: '/exec/e/start', route: '/exec/{id}/start', response: 'hijack', body: { Detach: false } }));
    expect(res.statusCode).toBe(200);
    expect(head).toMatch(/^POST \/exec\/e\/start HTTP\/1\.1\r\n/);
    expect(head).toMatch(/\r\nConnection: Upgrade\r\n/);
    expect(head).toMatch(/\r\nUpgrade: tcp\r\n/);
    const out: Buffer[] = [];
    const done = (async () => {
      for await (const c of res.socket!) out.push(c as Buffer);
    })();
    res.socket!.end('echoed');
    await done;
    expect(Buffer.concat(out).toString()).toBe('early-bytesechoed');
  });

  it('an error answer to a hijack maps to its class with the daemon message', async () => {
    const s = await serve((_h, socket) => {
      const body = '{"message":"No such exec instance: e"}';
      socket.write(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    });
    pipeline = createPipeline({ transport: s.transport });
    const err = await pipeline
      .send(req({ operation: 'ExecStart', method: 'POST', path: '/exec/e/start', route: '/exec/{id}/start', response: 'hijack' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toContain('No such exec instance: e');
  });

  it('a chunked error answer whose end marker is split across writes is read to its end', async () => {
    const s = await serve((_h, socket) => {
      const body = '{"message":"No such container: c"}';
      socket.write(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r`);
      // The rest of the end marker arrives later; the connection stays open.
      setTimeout(() => socket.write('\n\r\n'), 30);
    });
    pipeline = createPipeline({ transport: s.transport });
    const err = await pipeline
      .send(req({ operation: 'ContainerAttach', method: 'POST', path: '/containers/c/attach', route: '/containers/{id}/attach', response: 'hijack' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toContain('No such container: c');
  });

  it('a response head that is not HTTP is a ProtocolError', async () => {
    const s = await serve((_h, socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'));
    pipeline = createPipeline({ transport: s.transport });
    const err = await pipeline
      .send(req({ operation: 'ContainerAttach', method: 'POST', path: '/containers/c/attach', route: '/containers/{id}/attach', response: 'hijack' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
  });

  it('refuses header values with line breaks (no request smuggling)', async () => {
    const s = await serve(() => undefined);
    pipeline = createPipeline({ transport: s.transport });
    const err = await pipeline
      .send(req({ operation: 'ExecStart', method: 'POST', path: '/exec/e/start', route: '/exec/{id}/start', response: 'hijack', headers: { 'X-A': 'b\r\nX-Evil: 1' } }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidParameterError);
  });
});

describe('req.deadline and req.signal in the terminal handler (scripted server: a head that never comes)', () => {
  const silent = () => serve(() => undefined); // reads the request, never answers

  it('a deadline aborts the request with its TimeoutError and closes the connection, with no middleware at all', async () => {
    let closed!: Promise<void>;
    const s = await serve((_h, socket) => {
      closed = new Promise((resolve) => socket.once('close', () => resolve()));
    });
    pipeline = createPipeline({ transport: s.transport });
    const deadline = new Deadline(150, 'ContainerInspect');
    const err = await pipeline.send(req({ deadline })).catch((e: unknown) => e);
    expect(err).toBe(deadline.error());
    expect((err as TimeoutError).message).toBe('ContainerInspect timed out after 150 ms');
    await closed; // undici dropped the connection: nothing is left waiting for the answer
  });

  it('a deadline already passed, or a signal already aborted, rejects without sending anything', async () => {
    const s = await silent();
    pipeline = createPipeline({ transport: s.transport });
    const past = new Deadline(0, 'ContainerInspect');
    await expect(pipeline.send(req({ deadline: past }))).rejects.toBeInstanceOf(TimeoutError);
    await expect(pipeline.send(req({ signal: AbortSignal.abort() }))).rejects.toBeInstanceOf(AbortError);
    expect(s.connections()).toBe(0);
  });

  it('an abort while the request waits for a pooled connection rejects at once, and the request is never sent', async () => {
    const heads: string[] = [];
    const s = await serve((h) => heads.push(h));
    pipeline = createPipeline({ transport: s.transport, connections: 1 });
    const blocker = new AbortController();
    const first = pipeline.send(req({ path: '/first', signal: blocker.signal })).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const queued = new AbortController();
    const second = pipeline.send(req({ path: '/second', signal: queued.signal })).catch((e: unknown) => e);
    queued.abort();
    expect(await second).toBeInstanceOf(AbortError);
    blocker.abort();
    expect(await first).toBeInstanceOf(AbortError);
    await new Promise((r) => setTimeout(r, 50));
    expect(heads.map((h) => h.split(' ')[1])).toEqual(['/first']);
  });

  it('for a stream the deadline covers the whole body: a finite stream that stalls ends with its TimeoutError', async () => {
    const s = await serve((_h, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n');
      setTimeout(() => socket.write('1\r\nb\r\n0\r\n\r\n'), 250);
    });
    pipeline = createPipeline({ transport: s.transport });
    const res = await pipeline.send(req({ operation: 'ContainerLogs', response: 'stream', deadline: new Deadline(100, 'ContainerLogs') }));
    let text = '';
    const err = await (async () => {
      for await (const c of res.stream!) text += String(c);
    })().catch((e: unknown) => e);
    expect(text).toBe('a');
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toBe('ContainerLogs timed out after 100 ms');
  });

  it('for a hijack the deadline covers the head only: the session outlives it', async () => {
    const s = await serve((_h, socket) => {
      socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nfirst');
      setTimeout(() => socket.end('-second'), 250);
    });
    pipeline = createPipeline({ transport: s.transport });
    const res = await pipeline.send(req({ operation: 'ContainerAttach', method: 'POST', response: 'hijack', deadline: new Deadline(100, 'ContainerAttach') }));
    let text = '';
    for await (const c of res.socket!) text += String(c);
    expect(text).toBe('first-second');
  });

  it('an idle limit ends a stream that stays silent, with a TimeoutError naming it', async () => {
    const s = await serve((_h, socket) => socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n'));
    pipeline = createPipeline({ transport: s.transport });
    const res = await pipeline.send(req({ operation: 'ContainerLogs', response: 'stream', longRunning: true, idleTimeoutMs: 100 }));
    let text = '';
    const err = await (async () => {
      for await (const c of res.stream!) text += String(c);
    })().catch((e: unknown) => e);
    expect(text).toBe('a');
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/ContainerLogs: no data for 100 ms/);
  });

  it('a caller signal stays linked to a streamed body until it closes, and is released after', async () => {
    const s = await serve((_h, socket) => socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n'));
    pipeline = createPipeline({ transport: s.transport });
    const controller = new AbortController();
    const listeners = () => getEventListeners(controller.signal, 'abort').length;
    const res = await pipeline.send(req({ operation: 'ContainerLogs', response: 'stream', signal: controller.signal }));
    expect(listeners()).toBe(1);
    res.stream!.destroy();
    await new Promise((r) => setTimeout(r, 10));
    expect(listeners()).toBe(0);
  });
});

// Every stream is read by hand on a connection of its own (stream.ts, exchange.ts), whatever
// its method, and whatever the transport's deprecated dedicatedStreams says: all three rows
// must behave the same.
const paths = [
  ['GET, dedicatedStreams: true', 'GET', true],
  ['GET, dedicatedStreams unset', 'GET', false],
  ['POST, dedicatedStreams: true', 'POST', true],
] as const;

describe.each(paths)('streamed bodies, %s (scripted server: a daemon flushing thousands of tiny chunks)', (_label, method, dedicatedStreams) => {
  const serveHere = (fn: (head: string, socket: Socket) => void) => serve(fn, { dedicatedStreams });
  it('hands the consumer one chunk per socket read, not one per HTTP chunk, with every byte in order', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i}\n`);
    const s = await serveHere((_h, socket) => answerChunked(socket, lines, 100));
    pipeline = createPipeline({ transport: s.transport });
    const res = await pipeline.send(req({ operation: 'ContainerLogs', response: 'stream', method }));
    const chunks: Buffer[] = [];
    for await (const c of res.stream!) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe(lines.join(''));
    expect(chunks.length).toBeLessThan(lines.length / 10);
  });

  it('a consumer that stops reading pauses the daemon: the stream buffers about its high-water mark, not the whole body', async () => {
    const total = 8 * 1024 * 1024;
    let written = 0;
    const s = await serveHere((_h, socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
      const block = Buffer.alloc(64 * 1024, 120);
      const pump = () => {
        while (written < total) {
          written += block.length;
          if (!socket.write(block)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
    pipeline = createPipeline({ transport: s.transport });
    const res = await pipeline.send(req({ operation: 'ContainerExport', response: 'stream', method }));
    await new Promise((r) => setTimeout(r, 300)); // nobody reads
    expect(res.stream!.readableLength).toBeLessThanOrEqual(256 * 1024);
    expect(written).toBeLessThan(total); // the server is held back by the socket buffers
    let got = 0;
    for await (const c of res.stream!) got += (c as Buffer).length;
    expect(got).toBe(total);
  });
});

const reads: readonly (readonly [string, ReadMode])[] = [
  ["'data' events (a transport that ignores onread)", 'events'],
  ['onread (a transport that passes it on to net.connect)', 'onread'],
  ['TLS, onread called per record (a transport that passes it on to tls.connect)', 'tls'],
];

describe.each(reads)('GET streams read by hand, through %s (scripted server: framings and failures a real daemon does not send)', (_label, mode) => {
  const serveHere = (fn: (head: string, socket: Socket) => void) => serve(fn, { reads: mode });
  const logs = (over: Partial<DockerRequest> = {}) => req({ operation: 'ContainerLogs', path: '/containers/x/logs', response: 'stream', ...over });
  const readAll = async (stream: NodeJS.ReadableStream): Promise<{ text: string; error: unknown }> => {
    let text = '';
    try {
      for await (const c of stream) text += String(c);
      return { text, error: undefined };
    } catch (error) {
      return { text, error };
    }
  };

  it('every stream gets a connection of its own on any transport; short answers share the pooled keep-alive connection', async () => {
    const heads: string[] = [];
    const s = await serveHere((h, socket) => {
      heads.push(h);
      if (h.includes('/logs')) socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
      else socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
    });
    pipeline = createPipeline({ transport: s.transport });
    for (let i = 0; i < 3; i++) expect((await readAll((await pipeline.send(logs())).stream!)).text).toBe('hello');
    expect(s.connections()).toBe(3);
    expect(heads.every((h) => /connection: close/i.test(h))).toBe(true);
    for (let i = 0; i < 3; i++) await pipeline.send(req());
    // undici may open a second socket when the next request is queued in the same tick the
    // previous response ends; a connection per request would be 6.
    expect(s.connections()).toBeLessThan(6);
  });

  it('asks for Connection: close on a connection of its own, and closes it at the end of a chunked body', async () => {
    let head = '';
    let closed!: Promise<void>;
    const s = await serveHere((h, socket) => {
      head = h;
      closed = new Promise((resolve) => socket.once('close', () => resolve()));
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    });
    pipeline = createPipeline({ transport: s.transport });
    const res = await pipeline.send(logs({ query: { follow: true } }));
    expect(await readAll(res.stream!)).toEqual({ text: 'hello', error: undefined });
    expect(head).toMatch(/^GET \/containers\/x\/logs\?follow=1 HTTP\/1\.1\r\n/);
    expect(head).toMatch(/\r\nConnection: close(\r\n|$)/);
    await closed;
  });

  it('every byte of a stream comes through onread when the transport passes it on, none otherwise', async () => {
    const body = Array.from({ length: 500 }, (_, i) => `line ${i}\n`);
    const s = await serveHere((_h, socket) => answerChunked(socket, body, 25));
    pipeline = createPipeline({ transport: s.transport });
    expect(await readAll((await pipeline.send(logs())).stream!)).toEqual({ text: body.join(''), error: undefined });
    // Head and body: everything the server sent.
    expect(s.onreadBytes()).toBe(mode === 'events' ? 0 : s.bytesSent());
  });

  it('reads a Content-Length body exactly, and a body with neither length nor chunks to the end of the connection', async () => {
    const s = await serveHere((h, socket) => {
      if (h.includes('/sized')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA');
      else socket.end('HTTP/1.1 200 OK\r\n\r\nuntil the end');
    });
    pipeline = createPipeline({ transport: s.transport });
    expect(await readAll((await pipeline.send(logs({ path: '/sized' }))).stream!)).toEqual({ text: 'hello', error: undefined });
    expect(await readAll((await pipeline.send(logs({ path: '/eof' }))).stream!)).toEqual({ text: 'until the end', error: undefined });
  });

  it('a chunked body cut before its last chunk is a ConnectionError after the bytes that came', async () => {
    const s = await serveHere((_h, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
      setTimeout(() => socket.end(), 20);
    });
    pipeline = createPipeline({ transport: s.transport });
    const { text, error } = await readAll((await pipeline.send(logs())).stream!);
    expect(text).toBe('hello');
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain('ContainerLogs');
  });

  it('malformed chunk framing is a ProtocolError from the stream', async () => {
    const s = await serveHere((_h, socket) => socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nnot-hex\r\n'));
    pipeline = createPipeline({ transport: s.transport });
    const { error } = await readAll((await pipeline.send(logs())).stream!);
    expect(error).toBeInstanceOf(ProtocolError);
  });

  it('an error answer is the error class of its status with the daemon message', async () => {
    const s = await serveHere((_h, socket) => {
      const body = '{"message":"No such container: x"}';
      socket.write(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    });
    pipeline = createPipeline({ transport: s.transport });
    const err = await pipeline.send(logs()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).daemonMessage).toBe('No such container: x');
  });

  it('the caller aborting mid-body ends the stream with an AbortError and closes the connection', async () => {
    let closed!: Promise<void>;
    const s = await serveHere((_h, socket) => {
      closed = new Promise((resolve) => socket.once('close', () => resolve()));
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    });
    pipeline = createPipeline({ transport: s.transport });
    const controller = new AbortController();
    const res = await pipeline.send(logs({ signal: controller.signal }));
    const it = res.stream![Symbol.asyncIterator]();
    expect(String((await it.next()).value)).toBe('hello');
    controller.abort();
    expect(await it.next().catch((e: unknown) => e)).toBeInstanceOf(AbortError);
    await closed;
  });
});

describe('own-connection heads that cannot be framed (scripted server)', () => {
  it('an invalid Content-Length on a stream is a ProtocolError, and the connection is closed', async () => {
    let closed!: Promise<void>;
    const s = await serve((_h, socket) => {
      closed = new Promise((resolve) => socket.once('close', () => resolve()));
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\nabc');
    });
    pipeline = createPipeline({ transport: s.transport });
    const err = await pipeline.send(req({ operation: 'ContainerLogs', response: 'stream' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message).toMatch(/invalid Content-Length/);
    await closed;
  });
});

describe('one AbortSignal shared by many calls (scripted server)', () => {
  it('1,000 calls on one signal (short answers and streams) add one listener, print no warning, and leave none once settled', async () => {
    const s = await serve((h, socket) => {
      if (h.includes('/logs')) socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n');
      else socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
    });
    pipeline = createPipeline({ transport: s.transport });
    const controller = new AbortController();
    const listeners = () => getEventListeners(controller.signal, 'abort').length;
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      // 950 short answers (queued behind the pool's 16 connections) and 50 open streams.
      const calls = Array.from({ length: 950 }, () => pipeline!.send(req({ signal: controller.signal })));
      const streams = await Promise.all(
        Array.from({ length: 50 }, () => pipeline!.send(req({ operation: 'ContainerLogs', path: '/containers/x/logs', response: 'stream', longRunning: true, signal: controller.signal }))),
      );
      expect(listeners()).toBe(1);
      await Promise.all(calls);
      // The open streams still hold the signal (aborting it must end them).
      expect(listeners()).toBe(1);
      const ended = streams.map((r) => new Promise<unknown>((resolve) => r.stream!.on('error', resolve).resume()));
      controller.abort();
      for (const err of await Promise.all(ended)) expect(err).toBeInstanceOf(AbortError);
      expect(listeners()).toBe(0);
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a signal shared by calls that all settle without aborting keeps no listener', async () => {
    const s = await serve((_h, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'));
    pipeline = createPipeline({ transport: s.transport });
    const controller = new AbortController();
    await Promise.all(Array.from({ length: 1000 }, () => pipeline!.send(req({ signal: controller.signal }))));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe.each(reads)('a streamed body read directly by demuxStream, through %s (scripted server: frame sizes and a held-back consumer on demand)', (_label, mode) => {
  const logs = () => req({ operation: 'ContainerLogs', path: '/containers/x/logs', response: 'stream' });
  const frame = (stream: 1 | 2, text: string): Buffer => {
    const payload = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = stream;
    head.writeUInt32BE(payload.length, 4);
    return Buffer.concat([head, payload]);
  };
  /** Answers with `frames` as HTTP chunks, a burst of 50 per turn of the server's loop. */
  const chunkedFrames = (frames: Buffer[]) => (_h: string, socket: Socket) => answerChunked(socket, frames, 50);
  const sink = (parts: string[], onWrite?: () => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        parts.push(chunk.toString());
        onWrite?.();
        cb();
      },
    });

  it('hands every frame over in order without a data event, and ends when the body ends', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}\n`);
    const s = await serve(chunkedFrames(lines.map((l, i) => frame(i % 3 === 0 ? 2 : 1, l))), { reads: mode });
    pipeline = createPipeline({ transport: s.transport });
    const res = await pipeline.send(logs());
    const out: string[] = [];
    const err: string[] = [];
    let dataListeners = 0;
    const onWrite = () => (dataListeners = Math.max(dataListeners, res.stream!.listenerCount('data')));
    await demuxStream(res.stream!, { stdout: sink(out, onWrite), stderr: sink(err, onWrite) });
    expect(out.join('')).toBe(lines.filter((_, i) => i % 3 !== 0).join(''));
    expect(err.join('')).toBe(lines.filter((_, i) => i % 3 === 0).join(''));
    // Read through events, the stream would have had pump's 'data' listener.
    expect(dataListeners).toBe(0);
    expect(res.stream!.readableEnded).toBe(true);
  });

  it('a stream already read through its events is not taken over', async () => {
    const s = await serve(chunkedFrames([frame(1, 'a\n')]), { reads: mode });
    pipeline = createPipeline({ transport: s.transport });
    const res = await pipeline.send(logs());
    const seen: Buffer[] = [];
    res.stream!.on('data', (c: Buffer) => seen.push(c));
    expect(readDirect(res.stream!, () => true)).toBeUndefined();
    await new Promise((r) => res.stream!.once('end', r));
    expect(Buffer.concat(seen)).toEqual(frame(1, 'a\n'));
  });

  it('bytes sniffed and put back before the direct read come first', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i}\n`);
    const s = await serve(chunkedFrames(lines.map((l) => frame(1, l))), { reads: mode });
    pipeline = createPipeline({ transport: s.transport });
    const res = await pipeline.send(logs());
    const stream = res.stream!;
    // What api's isMultiplexed does on an engine that sends no Content-Type: peek at the first bytes.
    await new Promise((r) => stream.once('readable', r));
    const head = stream.read(4) as Buffer;
    stream.unshift(head);
    expect(stream.readableLength).toBeGreaterThanOrEqual(4);
    const out: string[] = [];
    await demuxStream(stream, { stdout: sink(out), stderr: null });
    expect(out.join('')).toBe(lines.join(''));
  });

  it('a plain socket read through onread lends its reads, and what demuxStream and copyStream write is theirs to keep', async () => {
    // Lines of every size up to 5 KiB, on both streams, so that reads end inside frames.
    const lines = Array.from({ length: 300 }, (_, i) => `${i} ${'x'.repeat((i * 7919) % 5000)}\n`);
    const framed = lines.map((l, i) => frame(i % 5 === 0 ? 2 : 1, l));
    const s = await serve(chunkedFrames(framed), { reads: mode });
    pipeline = createPipeline({ transport: s.transport });
    // Sinks that keep the very Buffers they are given, as a user's Writable may.
    const keep = (parts: Buffer[]) =>
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          parts.push(chunk);
          cb();
        },
      });
    const res = await pipeline.send(logs());
    let lentReads = 0;
    const reader = readDirect(res.stream!, (_chunk, lent) => {
      if (lent) lentReads++;
      return true;
    })!;
    expect(reader).toBeDefined();
    await new Promise((r) => res.stream!.once('end', r));
    // Only a plain socket's read is whole, and so can be handed on as it is.
    if (mode === 'onread') expect(lentReads).toBeGreaterThan(0);
    else expect(lentReads).toBe(0);

    const out: Buffer[] = [];
    const err: Buffer[] = [];
    await demuxStream((await pipeline.send(logs())).stream!, { stdout: keep(out), stderr: keep(err) });
    // Were these views of the shared read buffer, later reads would have overwritten them.
    expect(Buffer.concat(out).toString()).toBe(lines.filter((_, i) => i % 5 !== 0).join(''));
    expect(Buffer.concat(err).toString()).toBe(lines.filter((_, i) => i % 5 === 0).join(''));

    const raw: Buffer[] = [];
    await copyStream((await pipeline.send(logs())).stream!, keep(raw));
    expect(Buffer.concat(raw)).toEqual(Buffer.concat(framed));
  });

  it('a consumer that says stop is handed nothing more until it resumes, not even the rest of a read', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i}\n`);
    const s = await serve(chunkedFrames(lines.map((l) => frame(1, l))), { reads: mode });
    pipeline = createPipeline({ transport: s.transport });
    const res = await pipeline.send(logs());
    const ended = new Promise((r) => res.stream!.once('end', r));
    const got: Buffer[] = [];
    let stops = 0;
    let stopped = false;
    let handedWhileStopped = 0;
    // Says stop on its first three chunks, each time resuming 10 ms later, then takes the rest.
    const reader = readDirect(res.stream!, (chunk, lent) => {
      if (stopped) handedWhileStopped++;
      got.push(lent ? Buffer.from(chunk) : chunk);
      if (stops === 3) return true;
      stops++;
      stopped = true;
      setTimeout(() => {
        stopped = false;
        reader.resume();
      }, 10);
      return false;
    })!;
    await ended;
    expect(stops).toBe(3);
    expect(handedWhileStopped).toBe(0);
    // Whole and in order: demultiplexed, the frames give back every line.
    const out: string[] = [];
    await demuxStream(Readable.from([Buffer.concat(got)]), { stdout: sink(out), stderr: null });
    expect(out.join('')).toBe(lines.join(''));
  });

  it('a connection that ends while the consumer said stop still hands over every byte, then ends', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}\n`);
    const framed = lines.map((l) => frame(1, l));
    const s = await serve((_h, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      // Once the body is read directly: all of it in one go, the end right after. A TLS
      // socket then hands on every record and its end at once, whatever pause() says.
      setTimeout(() => {
        socket.end(Buffer.concat([...framed.flatMap((f) => [Buffer.from(`${f.length.toString(16)}\r\n`), f, Buffer.from('\r\n')]), Buffer.from('0\r\n\r\n')]));
      }, 20);
    }, { reads: mode });
    pipeline = createPipeline({ transport: s.transport });
    const res = await pipeline.send(logs());
    const got: Buffer[] = [];
    let first = true;
    const reader = readDirect(res.stream!, (chunk, lent) => {
      got.push(lent ? Buffer.from(chunk) : chunk);
      if (!first) return true;
      first = false;
      setTimeout(() => reader.resume(), 100);
      return false;
    })!;
    await new Promise((resolve, reject) => res.stream!.once('end', resolve).once('error', reject));
    expect(Buffer.concat(got)).toEqual(Buffer.concat(framed));
  });

  it('a consumer that stops taking frames pauses the connection, and the rest comes once it drains', async () => {
    const payload = 'x'.repeat(60 * 1024);
    const total = 70 * payload.length;
    let written = 0;
    const s = await serve((_h, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      const piece = Buffer.concat([Buffer.from(`${(payload.length + 8).toString(16)}\r\n`), frame(1, payload), Buffer.from('\r\n')]);
      const pump = () => {
        while (written < total) {
          written += payload.length;
          if (!socket.write(piece)) return void socket.once('drain', pump);
        }
        socket.write('0\r\n\r\n');
      };
      pump();
    }, { reads: mode });
    pipeline = createPipeline({ transport: s.transport });
    const res = await pipeline.send(logs());
    let got = 0;
    const held: (() => void)[] = [];
    let holding = true;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, cb) {
        got += chunk.length;
        if (holding) held.push(cb);
        else cb();
      },
    });
    const done = demuxStream(res.stream!, { stdout: slow, stderr: null });
    await new Promise((r) => setTimeout(r, 300));
    // Nothing piles up in the body's buffer and the server is held back by the socket buffers.
    expect(res.stream!.readableLength).toBe(0);
    expect(written).toBeLessThan(total);
    expect(got).toBeLessThan(total);
    holding = false;
    for (const cb of held.splice(0)) cb();
    await done;
    expect(got).toBe(total);
  });
});

describe('createPipeline().send', () => {
  it('gives middleware a request with every field present, keeping fields a caller added', async () => {
    const s = await serve((_h, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'));
    const tag = Symbol('tag');
    let seen: DockerRequest | undefined;
    pipeline = createPipeline({ transport: s.transport, middleware: [(r, next) => ((seen = r), next(r))] });
    const input = Object.assign(req(), { custom: 1, [tag]: 'x' });
    await pipeline.send(input);
    expect(Object.keys(seen!)).toEqual(expect.arrayContaining(['deadline', 'apiVersion', 'attempt', 'signal', 'timeoutMs', 'custom']));
    expect((seen as unknown as Record<symbol, unknown>)[tag]).toBe('x');
    expect(seen).not.toBe(input); // a copy: the caller's object is not changed below
    expect(Object.keys(input)).not.toContain('deadline');
  });
});
