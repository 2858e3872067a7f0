// runHijackedSession / core's copyStream over a real socket pair (a local unix server plays the
// daemon after the 101 head). No Docker needed.
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, copyStream, DockerError, ServerError } from '@dockline/core';
import { runHijackedSession } from './hijacked-session.js';

function frame(stream: number, payload: string | Buffer): Buffer {
  const body = Buffer.from(payload);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

class Sink extends Writable {
  chunks: Buffer[] = [];
  constructor(private readonly delayMs = 0) {
    super({ highWaterMark: 16 });
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    if (this.delayMs) setTimeout(cb, this.delayMs);
    else cb();
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup) f();
  cleanup = [];
});

/** A connected pair: `client` is what core's hijack hands to the session, `server` the daemon side. */
async function pair(onServer: (server: Socket) => void): Promise<Socket> {
  const dir = mkdtempSync(join(tmpdir(), 'dockline-hijack-'));
  const path = join(dir, 's.sock');
  const srv: Server = createServer({ allowHalfOpen: true }, onServer);
  await new Promise<void>((r) => srv.listen(path, r));
  cleanup.push(() => {
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const client = connect({ path });
  await new Promise<void>((r) => client.once('connect', r));
  return client;
}

const base = { operation: 'ExecStart', endpoint: 'unix:///fake.sock' };

describe('runHijackedSession', () => {
  it('pipes stdin, half-closes on its end, demultiplexes output until the daemon closes', async () => {
    const socket = await pair((s) => {
      const got: Buffer[] = [];
      s.on('data', (c: Buffer) => got.push(c));
      s.on('end', () => {
        // stdin reached EOF (our half-close): answer with what came in, then close.
        const text = Buffer.concat(got).toString();
        s.write(frame(1, `out:${text}`));
        s.end(frame(2, 'err:done'));
      });
    });
    const stdout = new Sink();
    const stderr = new Sink();
    const order: string[] = [];
    await runHijackedSession({
      ...base,
      socket,
      tty: false,
      streams: { stdin: Readable.from([Buffer.from('a'), Buffer.from('b')]), stdout, stderr, onStarted: () => order.push('started') },
    });
    expect(order).toEqual(['started']);
    expect(stdout.text).toBe('out:ab');
    expect(stderr.text).toBe('err:done');
    expect(socket.destroyed).toBe(true);
  });

  it('raw (tty) output is copied untouched, bytes that look like frame headers included', async () => {
    const payload = Buffer.concat([frame(1, 'not a frame'), Buffer.from([0, 1, 2, 255])]);
    const socket = await pair((s) => s.end(payload));
    const stdout = new Sink();
    await runHijackedSession({ ...base, socket, tty: true, streams: { stdout } });
    expect(Buffer.concat(stdout.chunks).equals(payload)).toBe(true);
  });

  it('settles only after a slow writable processed everything (and never ends it)', async () => {
    const socket = await pair((s) => {
      for (let i = 0; i < 20; i++) s.write(frame(1, `line ${i}\n`));
      s.end();
    });
    const stdout = new Sink(5);
    await runHijackedSession({ ...base, socket, tty: false, streams: { stdout } });
    expect(stdout.writableLength).toBe(0);
    expect(stdout.text.split('\n')).toHaveLength(21);
    expect(stdout.writableEnded).toBe(false);
  });

  it('a systemerr frame rejects with the daemon\'s message', async () => {
    const socket = await pair((s) => {
      s.write(frame(1, 'partial output'));
      s.write(frame(3, 'exec failed: no such file'));
    });
    const stdout = new Sink();
    const err = await runHijackedSession({ ...base, socket, tty: false, streams: { stdout } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).daemonMessage).toBe('exec failed: no such file');
    expect(stdout.text).toBe('partial output');
    expect(socket.destroyed).toBe(true);
  });

  it('a failing stdin rejects with its cause and closes the connection; the caller\'s stdin is not destroyed', async () => {
    let serverClosed!: () => void;
    const closed = new Promise<void>((r) => (serverClosed = r));
    const socket = await pair((s) => {
      s.resume();
      s.on('end', serverClosed); // our side closed (the server is half-open: no 'close')
      s.on('error', () => undefined);
    });
    const stdin = new PassThrough();
    const p = runHijackedSession({ ...base, socket, tty: false, streams: { stdin, stdout: new Sink() } });
    stdin.write('x');
    setTimeout(() => stdin.emit('error', new Error('keyboard on fire')), 20);
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerError);
    expect((err as Error).message).toContain('keyboard on fire');
    await closed;
  });

  it('the caller\'s abort rejects with AbortError and closes the connection', async () => {
    const socket = await pair(() => undefined);
    const ac = new AbortController();
    // core's hijack destroys the socket on abort; the session must report AbortError either way
    ac.signal.addEventListener('abort', () => socket.destroy());
    const p = runHijackedSession({ ...base, socket, tty: true, streams: { stdout: new Sink() }, signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toBeInstanceOf(AbortError);
  });

  it('a throwing onStarted rejects and closes the connection', async () => {
    const socket = await pair(() => undefined);
    const boom = new Error('resize failed');
    await expect(
      runHijackedSession({
        ...base,
        socket,
        tty: false,
        streams: {
          onStarted: () => {
            throw boom;
          },
        },
      }),
    ).rejects.toBe(boom);
    expect(socket.destroyed).toBe(true);
  });

  it('output that ends while stdin still flows: stdin is unpiped, not destroyed, and no error escapes', async () => {
    const socket = await pair((s) => {
      s.on('error', () => undefined);
      s.once('data', () => s.end(frame(1, 'bye')));
    });
    const stdin = new PassThrough();
    const stdout = new Sink();
    const p = runHijackedSession({ ...base, socket, tty: false, streams: { stdin, stdout } });
    const timer = setInterval(() => stdin.write(Buffer.alloc(1024)), 5);
    await p;
    clearInterval(timer);
    expect(stdout.text).toBe('bye');
    expect(stdin.destroyed).toBe(false);
    expect(stdin.listenerCount('data')).toBe(0);
  });
});

describe('copyStream (core; TTY output)', () => {
  it('waits for drain (backpressure) and keeps every byte in order', async () => {
    const parts = Array.from({ length: 200 }, (_, i) => Buffer.from(`${i},`));
    const sink = new Sink(1);
    let maxBuffered = 0;
    const source = Readable.from(
      (async function* () {
        for (const p of parts) {
          maxBuffered = Math.max(maxBuffered, sink.writableLength);
          yield p;
        }
      })(),
    );
    await copyStream(source, sink);
    expect(Buffer.concat(sink.chunks).toString()).toBe(parts.join(''));
    expect(maxBuffered).toBeLessThanOrEqual(16 + 4); // never far past the writable's highWaterMark
  });

  it('a destination closed early rejects and closes the source', async () => {
    const source = new PassThrough();
    const sink = new Sink();
    const p = copyStream(source, sink);
    source.write('a');
    setTimeout(() => sink.destroy(), 10);
    await expect(p).rejects.toThrow(/closed before the stream ended/);
    expect(source.destroyed).toBe(true);
  });
});
