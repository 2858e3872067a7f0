import { createHash, randomFillSync } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { PassThrough, Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AbortError, DockerError, ProtocolError, ServerError } from '../errors.js';
import { StdcopyDemuxer, StdStream, demuxStream, type StdcopyDemuxerOptions } from './stdcopy.js';
import { catchError, chunksOf, prng, splitAt } from '../../test/chunking.js';

// ---------------------------------------------------------------- helpers

function header(stream: number, size: number): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(size, 4);
  return h;
}

function frame(stream: number, payload: Buffer | string): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([header(stream, p.length), p]);
}

function pseudoRandomBytes(n: number, rnd: () => number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

type Piece = { stream: number; data: Buffer };

/** Merges adjacent pieces of the same stream: chunking must not change this sequence. */
function normalize(pieces: readonly Piece[]): { stream: number; hex: string }[] {
  const out: { stream: number; parts: Buffer[] }[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (last !== undefined && last.stream === p.stream) last.parts.push(p.data);
    else out.push({ stream: p.stream, parts: [p.data] });
  }
  return out.map((r) => ({ stream: r.stream, hex: Buffer.concat(r.parts).toString('hex') }));
}

function expectedOf(frames: readonly { stream: number; payload: Buffer }[]): { stream: number; hex: string }[] {
  return normalize(frames.filter((f) => f.stream < 3 && f.payload.length > 0).map((f) => ({ stream: f.stream, data: f.payload })));
}

/**
 * Runs `chunks` through a demuxer; collects copies of the pieces and the error thrown, if any.
 * With `lent`, each chunk is pushed as a loan and overwritten right after, and the pieces are
 * kept as they are: one that still referred to its chunk would come out garbled.
 */
function run(chunks: readonly Buffer[], options?: StdcopyDemuxerOptions, lent = false): { pieces: Piece[]; error: unknown } {
  const pieces: Piece[] = [];
  const d = new StdcopyDemuxer((stream, data) => {
    expect(data.length).toBeGreaterThan(0); // no empty pieces, ever
    pieces.push({ stream, data: lent ? data : Buffer.from(data) });
  }, options);
  try {
    for (const c of chunks) {
      if (!lent) {
        d.push(c);
        continue;
      }
      const loan = Buffer.from(c);
      try {
        d.push(loan, true);
      } finally {
        loan.fill(0xee);
      }
    }
    d.end();
  } catch (error) {
    return { pieces, error };
  }
  return { pieces, error: undefined };
}

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The mixed multi-frame input: all stream ids, empty frames, a payload longer than the batching limit. */
function mixedFrames(): { stream: number; payload: Buffer }[] {
  const rnd = prng(7);
  return [
    { stream: 1, payload: Buffer.from('hello, stdout\n') },
    { stream: 2, payload: Buffer.from('warning: héllo wörld 日本 😀\n') },
    { stream: 1, payload: Buffer.alloc(0) },
    { stream: 0, payload: Buffer.from('stdin echo') },
    { stream: 1, payload: pseudoRandomBytes(300, rnd) },
    { stream: 1, payload: Buffer.from('x') },
    { stream: 2, payload: Buffer.from('e') },
    { stream: 2, payload: Buffer.alloc(0) },
    { stream: 2, payload: pseudoRandomBytes(2500, rnd) },
    { stream: 1, payload: pseudoRandomBytes(9, rnd) },
  ];
}
const encode = (frames: readonly { stream: number; payload: Buffer }[]): Buffer =>
  Buffer.concat(frames.map((f) => frame(f.stream, f.payload)));

// ---------------------------------------------------------------- StdcopyDemuxer

describe.each([
  { name: 'batched (default)', options: {}, lent: false },
  { name: 'unbatched', options: { batch: false }, lent: false },
  { name: 'lent chunks', options: {}, lent: true },
  { name: 'lent chunks, unbatched', options: { batch: false }, lent: true },
])('StdcopyDemuxer, $name', ({ options, lent }) => {
  const frames = mixedFrames();
  const input = encode(frames);
  const expected = expectedOf(frames);

  it('decodes the mixed input in one chunk', () => {
    const { pieces, error } = run([input], options, lent);
    expect(error).toBeUndefined();
    expect(normalize(pieces)).toEqual(expected);
    expect(expected.map((e) => e.stream)).toEqual([1, 2, 0, 1, 2, 1]);
  });

  it('gives the same output when split at every single byte boundary', () => {
    for (let p = 0; p <= input.length; p++) {
      const { pieces, error } = run(splitAt(input, p), options, lent);
      if (error !== undefined || JSON.stringify(normalize(pieces)) !== JSON.stringify(expected)) {
        throw new Error(`split at ${p}: ${String(error)}`);
      }
    }
  });

  it('gives the same output for every chunk size 1..N', () => {
    for (let size = 1; size <= input.length; size++) {
      const { pieces, error } = run(chunksOf(input, size), options, lent);
      if (error !== undefined || JSON.stringify(normalize(pieces)) !== JSON.stringify(expected)) {
        throw new Error(`chunk size ${size}: ${String(error)}`);
      }
    }
  });

  it('gives the same output for 500 seeded random chunkings of random frames', () => {
    const rnd = prng(0xd0c);
    for (let round = 0; round < 500; round++) {
      const frameCount = 1 + Math.floor(rnd() * 40);
      const rframes = Array.from({ length: frameCount }, () => {
        const r = rnd();
        const size = r < 0.15 ? 0 : r < 0.8 ? Math.floor(rnd() * 64) : Math.floor(rnd() * 5000);
        return { stream: Math.floor(rnd() * 3), payload: pseudoRandomBytes(size, rnd) };
      });
      const buf = encode(rframes);
      const points: number[] = [];
      for (let at = 0; ; ) {
        at += rnd() < 0.3 ? 1 + Math.floor(rnd() * 8) : 1 + Math.floor(rnd() * 3000);
        if (at >= buf.length) break;
        points.push(at);
      }
      const { pieces, error } = run(splitAt(buf, ...points), options, lent);
      if (error !== undefined || JSON.stringify(normalize(pieces)) !== JSON.stringify(expectedOf(rframes))) {
        throw new Error(`round ${round}: ${String(error)}`);
      }
    }
  });

  it('skips zero-length frames without emitting empty pieces', () => {
    const buf = Buffer.concat([frame(1, ''), frame(2, 'x'), frame(1, ''), frame(0, ''), frame(2, 'y')]);
    for (let p = 0; p <= buf.length; p++) {
      const { pieces, error } = run(splitAt(buf, p), options, lent); // run() asserts every piece is non-empty
      expect(error).toBeUndefined();
      expect(normalize(pieces)).toEqual([{ stream: 2, hex: Buffer.from('xy').toString('hex') }]);
    }
    expect(run([Buffer.concat([frame(1, ''), frame(2, '')])], options, lent)).toEqual({ pieces: [], error: undefined });
  });

  it('ends with a ServerError carrying the daemon text on a systemerr frame, at every split point', () => {
    const msg = 'cannot attach: container 4f2a is not running 😀';
    const buf = Buffer.concat([frame(1, 'before'), frame(3, `${msg}\n`), frame(1, 'after')]);
    for (let p = 0; p <= buf.length; p++) {
      const { pieces, error } = run(splitAt(buf, p), options, lent);
      expect(error).toBeInstanceOf(ServerError);
      expect(error).toBeInstanceOf(DockerError);
      expect((error as ServerError).daemonMessage).toBe(msg);
      expect((error as ServerError).message).toContain(msg);
      expect((error as ServerError).code).toBe('DOCKLINE_ERR_SERVER');
      // The data before the systemerr frame is delivered; nothing after it is.
      expect(normalize(pieces)).toEqual([{ stream: 1, hex: Buffer.from('before').toString('hex') }]);
    }
  });

  it('raises a systemerr frame with an empty payload too', () => {
    const { error } = run([frame(3, '')], options, lent);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).daemonMessage).toBe('');
  });

  it('rejects an unknown stream type with a ProtocolError naming the byte and offset, at every split point', () => {
    const buf = Buffer.concat([frame(1, 'ok'), frame(7, 'nope'), frame(1, 'never')]);
    for (let p = 0; p <= buf.length; p++) {
      const { pieces, error } = run(splitAt(buf, p), options, lent);
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe('DOCKLINE_ERR_PROTOCOL');
      expect((error as Error).message).toMatch(/stream type 0x07 \(7\)/);
      expect((error as Error).message).toMatch(/byte offset 10\b/);
      expect(normalize(pieces)).toEqual([{ stream: 1, hex: Buffer.from('ok').toString('hex') }]);
    }
    // A TTY (non-multiplexed) stream fed to the demuxer fails on its first byte.
    const tty = run([Buffer.from('root@4f2a:/# ls\n')], options, lent).error;
    expect(tty).toBeInstanceOf(ProtocolError);
    expect((tty as Error).message).toMatch(/0x72 \(114\).*byte offset 0\b/);
  });

  it('rejects a frame header cut short at EOF, saying how many bytes were expected and received', () => {
    const buf = Buffer.concat([frame(1, 'abc'), header(2, 5).subarray(0, 3)]);
    for (let p = 0; p <= buf.length; p++) {
      const { pieces, error } = run(splitAt(buf, p), options, lent);
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as Error).message).toMatch(/frame header at byte offset 11: expected 8 header bytes, received 3/);
      expect(normalize(pieces)).toEqual([{ stream: 1, hex: Buffer.from('abc').toString('hex') }]);
    }
    for (let n = 1; n < 8; n++) {
      const { error } = run([header(1, 1).subarray(0, n)], options, lent);
      expect((error as Error).message).toContain(`expected 8 header bytes, received ${n}`);
    }
  });

  it('rejects a payload cut short at EOF, saying how many bytes were expected and received', () => {
    const buf = Buffer.concat([frame(1, 'abc'), header(2, 10), Buffer.from('0123')]);
    for (let p = 0; p <= buf.length; p++) {
      const { pieces, error } = run(splitAt(buf, p), options, lent);
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as Error).message).toMatch(/stderr frame at byte offset 11: expected 10 payload bytes, received 4/);
      // The partial payload was emitted as it arrived.
      expect(normalize(pieces)).toEqual([
        { stream: 1, hex: Buffer.from('abc').toString('hex') },
        { stream: 2, hex: Buffer.from('0123').toString('hex') },
      ]);
    }
  });

  it('streams a 64 MiB frame piecewise as zero-copy views, byte-exact', () => {
    const size = 64 * 1024 * 1024;
    const payload = randomFillSync(Buffer.allocUnsafe(size));
    const want = createHash('sha256').update(payload).digest('hex');
    const hash = createHash('sha256');
    let pieces = 0;
    let lastChunk: Buffer | undefined;
    const d = new StdcopyDemuxer((stream, data) => {
      expect(stream).toBe(1);
      // A view into the chunk just pushed: nothing was copied or accumulated.
      expect(data.buffer === lastChunk!.buffer).toBe(true); // (no toBe(): a failure would print 64 MiB)
      expect(data.length).toBe(64 * 1024);
      hash.update(data);
      pieces++;
    }, options);
    d.push(header(1, size));
    let pushed = 0;
    for (const chunk of chunksOf(payload, 64 * 1024)) {
      lastChunk = chunk;
      d.push(chunk);
      pushed++;
      expect(pieces).toBe(pushed); // emitted as it arrives, not when the frame completes
    }
    d.end();
    expect(pieces).toBe(1024);
    expect(hash.digest('hex')).toBe(want);
  });
});

describe('StdcopyDemuxer', () => {
  it('does not allocate for a frame announcing 4 GiB, and emits its payload as it arrives', () => {
    const before = process.memoryUsage().arrayBuffers;
    let got = 0;
    let calls = 0;
    const d = new StdcopyDemuxer((_stream, data) => {
      got += data.length;
      calls++;
    });
    d.push(header(2, 0xffffffff));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 16; i++) {
      d.push(chunk);
      expect(got).toBe((i + 1) * chunk.length);
    }
    expect(calls).toBe(16);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(256 * 1024 * 1024);
    expect(d.idle).toBe(false);
    const error = catchError(() => d.end());
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toContain('expected 4294967295 payload bytes, received 1048576');
  });

  it('batches consecutive small payloads of one stream within a chunk, in order', () => {
    const calls: [number, string][] = [];
    const d = new StdcopyDemuxer((s, data) => calls.push([s, data.toString()]));
    d.push(Buffer.concat([frame(1, 'a'), frame(1, 'b'), frame(1, ''), frame(1, 'c'), frame(2, 'E'), frame(2, 'F'), frame(1, 'd')]));
    expect(calls).toEqual([
      [1, 'abc'],
      [2, 'EF'],
      [1, 'd'],
    ]);
    // Runs never span pushes: a frame finishing in the next chunk starts a new piece.
    calls.length = 0;
    const buf = Buffer.concat([frame(1, 'xy'), frame(1, 'zw')]);
    d.push(buf.subarray(0, 9));
    d.push(buf.subarray(9));
    expect(calls).toEqual([
      [1, 'x'],
      [1, 'yzw'],
    ]);
  });

  it('passes payloads longer than the batching limit as views, keeping the order', () => {
    const big = Buffer.alloc(5000, 0x42);
    const input = Buffer.concat([frame(1, 'a'), frame(1, 'b'), frame(1, big), frame(1, 'c')]);
    const calls: { s: number; data: Buffer }[] = [];
    new StdcopyDemuxer((s, data) => calls.push({ s, data })).push(input);
    expect(calls.map((c) => c.data.toString('latin1').slice(0, 2))).toEqual(['ab', 'BB', 'c']);
    expect(calls[1]!.data.buffer).toBe(input.buffer);
    expect(calls[1]!.data.byteOffset).toBe(input.byteOffset + 26);
  });

  it('passes a run of a single small payload as a view, and copies only runs of several', () => {
    const input = Buffer.concat([frame(1, 'a'), frame(2, 'b'), frame(1, 'c'), frame(1, 'd')]);
    const calls: { s: number; data: Buffer }[] = [];
    new StdcopyDemuxer((s, data) => calls.push({ s, data })).push(input);
    expect(calls.map((c) => [c.s, c.data.toString()])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [1, 'cd'],
    ]);
    expect(calls[0]!.data.buffer).toBe(input.buffer);
    expect(calls[0]!.data.byteOffset).toBe(input.byteOffset + 8);
    expect(calls[1]!.data.byteOffset).toBe(input.byteOffset + 17);
    const merged = Buffer.from(calls[2]!.data);
    input.fill(0); // the merged run is a copy: it does not alias the input
    expect(calls[2]!.data).toEqual(merged);
  });

  it('copies the payload of a lent chunk into one buffer of its own, a run of each stream a view into it', () => {
    const long = 'z'.repeat(3000); // longer than the batching limit: still copied
    const input = Buffer.concat([frame(1, 'a'), frame(2, 'b'), frame(1, 'c'), frame(1, 'd'), frame(1, long)]);
    const calls: { s: number; data: Buffer }[] = [];
    new StdcopyDemuxer((s, data) => calls.push({ s, data })).push(input, true);
    input.fill(0);
    expect(calls.map((c) => [c.s, c.data.toString()])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [1, `cd${long}`],
    ]);
    // One stretch of one buffer, run after run.
    let at = calls[0]!.data.byteOffset;
    for (const c of calls) {
      expect(c.data.buffer).toBe(calls[0]!.data.buffer);
      expect(c.data.byteOffset).toBe(at);
      at += c.data.length;
    }
  });

  it('without batching emits one view per payload', () => {
    const input = Buffer.concat([frame(1, 'a'), frame(1, 'b'), frame(2, 'c')]);
    const calls: { s: number; data: Buffer }[] = [];
    new StdcopyDemuxer((s, data) => calls.push({ s, data }), { batch: false }).push(input);
    expect(calls.map((c) => [c.s, c.data.toString()])).toEqual([
      [1, 'a'],
      [1, 'b'],
      [2, 'c'],
    ]);
    for (const c of calls) expect(c.data.buffer).toBe(input.buffer);
  });

  it('reports stdin frames as stream 0 and exposes named ids', () => {
    const calls: number[] = [];
    new StdcopyDemuxer((s) => calls.push(s)).push(Buffer.concat([frame(0, 'i'), frame(1, 'o'), frame(2, 'e')]));
    expect(calls).toEqual([StdStream.Stdin, StdStream.Stdout, StdStream.Stderr]);
  });

  it('accepts plain Uint8Array chunks and rejects strings', () => {
    const out: string[] = [];
    const d = new StdcopyDemuxer((_s, data) => out.push(data.toString()));
    const u8 = new Uint8Array(frame(1, 'plain'));
    d.push(u8.subarray(0, 5));
    d.push(u8.subarray(5));
    expect(out.join('')).toBe('plain');
    const error = catchError(() => d.push('text' as unknown as Uint8Array));
    expect(error).toBeInstanceOf(DockerError);
    expect((error as Error).message).toMatch(/got a string/);
  });

  it('rethrows its first error on every later call, and refuses push() after end()', () => {
    const d = new StdcopyDemuxer(() => undefined);
    const first = catchError(() => d.push(frame(9, 'x')));
    expect(first).toBeInstanceOf(ProtocolError);
    expect(catchError(() => d.push(frame(1, 'x')))).toBe(first);
    expect(catchError(() => d.end())).toBe(first);

    const ended = new StdcopyDemuxer(() => undefined);
    ended.push(frame(1, 'x'));
    ended.end();
    ended.end(); // idempotent
    expect(catchError(() => ended.push(frame(1, 'y')))).toBeInstanceOf(DockerError);
  });
});

// ---------------------------------------------------------------- demuxStream

class Collector extends Writable {
  readonly parts: Buffer[] = [];
  constructor(options: { highWaterMark?: number } = {}) {
    super(options);
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.parts.push(Buffer.from(chunk));
    cb();
  }
  text(): string {
    return Buffer.concat(this.parts).toString();
  }
}

/** A Writable that accepts nothing until release() is called. */
class StalledWritable extends Writable {
  readonly parts: Buffer[] = [];
  #pending: (() => void) | null = null;
  #released = false;
  constructor(highWaterMark: number) {
    super({ highWaterMark });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.parts.push(Buffer.from(chunk));
    if (this.#released) cb();
    else this.#pending = () => cb();
  }
  release(): void {
    this.#released = true;
    const p = this.#pending;
    this.#pending = null;
    p?.();
  }
  bytes(): number {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }
}

/** An AsyncIterable that counts how many chunks were pulled and whether it was closed. */
function countingSource(chunks: readonly Buffer[]): AsyncIterable<Buffer> & { pulls: number; returned: boolean } {
  const state = {
    pulls: 0,
    returned: false,
    [Symbol.asyncIterator](): AsyncIterator<Buffer> {
      let i = 0;
      return {
        next: async () => {
          state.pulls++;
          const value = chunks[i++];
          return value === undefined ? { done: true, value: undefined } : { done: false, value };
        },
        return: async () => {
          state.returned = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return state;
}

/** An AsyncIterable whose next() never settles (a quiet `logs --follow`). */
function hangingSource(): AsyncIterable<Buffer> & { returned: boolean } {
  const state = {
    returned: false,
    [Symbol.asyncIterator](): AsyncIterator<Buffer> {
      return {
        next: () => new Promise<IteratorResult<Buffer>>(() => undefined),
        return: async () => {
          state.returned = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return state;
}

describe('demuxStream', () => {
  it('writes stdout (and stdin) and stderr to their Writables, without ending them by default', async () => {
    const input = Buffer.concat([frame(1, 'out1 '), frame(2, 'err1 '), frame(0, 'in '), frame(1, 'out2'), frame(2, 'err2')]);
    const stdout = new Collector();
    const stderr = new Collector();
    await demuxStream(Readable.from(chunksOf(input, 3)), { stdout, stderr });
    expect(stdout.text()).toBe('out1 in out2');
    expect(stderr.text()).toBe('err1 err2');
    expect(stdout.writableEnded).toBe(false);
    expect(stderr.writableEnded).toBe(false);
  });

  it('ends and awaits the Writables with { end: true }', async () => {
    const stdout = new Collector();
    const stderr = new Collector();
    await demuxStream(Readable.from([frame(1, 'o'), frame(2, 'e')]), { stdout, stderr }, { end: true });
    expect(stdout.writableFinished).toBe(true);
    expect(stderr.writableFinished).toBe(true);
  });

  it('discards a stream without a Writable, and keeps the order when both go to one Writable', async () => {
    const input = Buffer.concat([frame(1, 'a'), frame(2, 'B'), frame(1, 'c'), frame(2, 'D')]);
    const onlyOut = new Collector();
    await demuxStream(Readable.from([input]), { stdout: onlyOut });
    expect(onlyOut.text()).toBe('ac');
    const onlyErr = new Collector();
    await demuxStream(Readable.from([input]), { stdout: null, stderr: onlyErr });
    expect(onlyErr.text()).toBe('BD');
    const both = new Collector();
    await demuxStream(Readable.from(chunksOf(input, 5)), { stdout: both, stderr: both }, { end: true });
    expect(both.text()).toBe('aBcD');
    expect(both.writableFinished).toBe(true);
  });

  it('writes a run of small frames as one write() (batching), or one per frame with { batch: false }', async () => {
    const input = Buffer.concat(Array.from({ length: 10 }, (_, i) => frame(1, `line ${i}\n`)));
    const batched = new Collector();
    await demuxStream(Readable.from([input]), { stdout: batched });
    expect(batched.parts).toHaveLength(1);
    const unbatched = new Collector();
    await demuxStream(Readable.from([input]), { stdout: unbatched }, { batch: false });
    expect(unbatched.parts).toHaveLength(10);
    expect(batched.text()).toBe(unbatched.text());
  });

  it('accepts Uint8Array chunks from any AsyncIterable', async () => {
    const stdout = new Collector();
    async function* gen(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(frame(1, 'uint8'));
    }
    await demuxStream(gen(), { stdout });
    expect(stdout.text()).toBe('uint8');
  });

  it('rejects with the ServerError of a systemerr frame after writing what preceded it', async () => {
    const stdout = new Collector();
    const source = countingSource([frame(1, 'partial output'), frame(3, 'error during connect\n'), frame(1, 'x')]);
    const error = await demuxStream(source, { stdout }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).daemonMessage).toBe('error during connect');
    expect(stdout.text()).toBe('partial output');
    expect(source.returned).toBe(true); // the source was closed
    expect(stdout.writableEnded).toBe(false);
  });

  it('rejects with a ProtocolError for a truncated stream, and passes source errors through', async () => {
    const truncated = await demuxStream(Readable.from([frame(1, 'abcdef').subarray(0, 10)]), { stdout: new Collector() }).catch(
      (e: unknown) => e,
    );
    expect(truncated).toBeInstanceOf(ProtocolError);
    expect((truncated as Error).message).toContain('expected 6 payload bytes, received 2');

    const boom = new Error('socket hang up');
    async function* failing(): AsyncGenerator<Buffer> {
      yield frame(1, 'ok');
      throw boom;
    }
    await expect(demuxStream(failing(), { stdout: new Collector() })).rejects.toBe(boom);
  });

  it('does not read ahead while a Writable is stalled (backpressure), then completes', async () => {
    const chunks = Array.from({ length: 1000 }, (_, i) => frame(1 + (i % 2), Buffer.alloc(1024, 0x30 + (i % 10))));
    const source = countingSource(chunks);
    const stdout = new StalledWritable(4096);
    const stderr = new Collector({ highWaterMark: 4096 });
    const done = demuxStream(source, { stdout, stderr });
    await tick(50);
    // stdout accepted chunks until its buffer reached its highWaterMark (4 KiB = 4 of its
    // chunks, i.e. 8 source chunks with the stderr ones), then reading stopped.
    const pulled = source.pulls;
    expect(pulled).toBeLessThanOrEqual(9);
    expect(stdout.writableLength).toBeLessThanOrEqual(4096);
    await tick(50);
    expect(source.pulls).toBe(pulled); // and stays stopped
    stdout.release();
    await done;
    expect(source.pulls).toBe(1001);
    expect(stdout.bytes() + stderr.parts.reduce((n, p) => n + p.length, 0)).toBe(1000 * 1024);
  });

  it('applies backpressure from the stderr Writable too, with a Readable source', async () => {
    const chunks = Array.from({ length: 200 }, () => frame(2, Buffer.alloc(4096, 0x65)));
    let reads = 0;
    let i = 0;
    const source = new Readable({
      highWaterMark: 8192,
      read() {
        reads++;
        this.push(chunks[i++] ?? null);
      },
    });
    const stderr = new StalledWritable(1024);
    const done = demuxStream(source, { stdout: new Collector(), stderr });
    await tick(50);
    // The Readable fills its own small buffer and stops; nothing like 200 chunks is pulled.
    expect(reads).toBeLessThanOrEqual(5);
    stderr.release();
    await done;
    expect(stderr.bytes()).toBe(200 * 4096);
  });

  it('rejects with an AbortError at once, without reading, if the signal is already aborted', async () => {
    const source = countingSource([frame(1, 'x')]);
    const reason = new Error('user gave up');
    const error = await demuxStream(source, { stdout: new Collector() }, { signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
    expect(source.pulls).toBe(0);
  });

  it('aborts while waiting for the source, and closes it', async () => {
    const source = hangingSource();
    const ac = new AbortController();
    const done = demuxStream(source, { stdout: new Collector() }, { signal: ac.signal });
    await tick(10);
    ac.abort();
    await expect(done).rejects.toBeInstanceOf(AbortError);
    expect(source.returned).toBe(true);

    // A Readable source with no data coming is destroyed (its socket released).
    const readable = new Readable({ read() {} });
    readable.push(frame(1, 'first'));
    const ac2 = new AbortController();
    const stdout = new Collector();
    const done2 = demuxStream(readable, { stdout }, { signal: ac2.signal });
    await tick(10);
    expect(stdout.text()).toBe('first');
    ac2.abort();
    await expect(done2).rejects.toBeInstanceOf(AbortError);
    expect(readable.destroyed).toBe(true);
  });

  it('aborts while waiting for a stalled Writable to drain', async () => {
    const source = countingSource(Array.from({ length: 100 }, () => frame(1, Buffer.alloc(1024))));
    const stdout = new StalledWritable(512);
    const ac = new AbortController();
    const done = demuxStream(source, { stdout }, { signal: ac.signal });
    await tick(10);
    ac.abort();
    await expect(done).rejects.toBeInstanceOf(AbortError);
    expect(source.pulls).toBe(1);
    expect(source.returned).toBe(true);
    expect(stdout.writableEnded).toBe(false);
  });

  it('rejects with a DockerError when a Writable fails or is destroyed', async () => {
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    const failing = new Writable({
      write(_chunk, _enc, cb) {
        cb(epipe);
      },
    });
    const source = hangingSource();
    const mixed = Readable.from([frame(1, 'x')]);
    const error = await demuxStream(mixed, { stdout: failing }, { end: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerError);
    expect((error as DockerError).message).toMatch(/stdout destination failed: write EPIPE/);
    expect((error as DockerError).cause).toBe(epipe);

    // Destroyed while we wait for the (quiet) source: noticed at once.
    const stderr = new PassThrough();
    const done = demuxStream(source, { stderr });
    await tick(10);
    stderr.destroy();
    const closed = await done.catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(DockerError);
    expect((closed as Error).message).toMatch(/stderr destination was closed/);
    expect(source.returned).toBe(true);
  });

  it('settles at once on a Readable that is already over: ended, failed, or destroyed early', async () => {
    const ended = Readable.from([frame(1, 'x')]);
    ended.resume();
    await new Promise((r) => ended.once('end', r));
    await demuxStream(ended, { stdout: new Collector() });

    const boom = new Error('connection reset');
    const failed = new Readable({ read() {} });
    failed.on('error', () => undefined);
    failed.destroy(boom);
    await new Promise((r) => setImmediate(r));
    await expect(demuxStream(failed, { stdout: new Collector() })).rejects.toBe(boom);

    const closed = new Readable({ read() {} });
    closed.destroy();
    await new Promise((r) => setImmediate(r));
    await expect(demuxStream(closed, { stdout: new Collector() })).rejects.toThrow(/closed before its end/);
  });

  it('rejects when a Readable source is destroyed mid-stream without an error, after writing what came', async () => {
    const source = new Readable({ read() {} });
    source.push(frame(1, 'first'));
    const stdout = new Collector();
    const done = demuxStream(source, { stdout });
    await new Promise((r) => setImmediate(r));
    source.destroy();
    await expect(done).rejects.toThrow(/demuxStream: the source was closed before its end/);
    expect(stdout.text()).toBe('first');
  });

  it('removes its listeners from a Readable source once it settled', async () => {
    const source = Readable.from([frame(1, 'a'), frame(2, 'b')]);
    await demuxStream(source, { stdout: new Collector(), stderr: new Collector() });
    expect(source.listenerCount('data') + source.listenerCount('end') + source.listenerCount('error')).toBe(0);
  });

  it('removes its listeners from the Writables and the signal', async () => {
    const stdout = new Collector();
    const ac = new AbortController();
    const before = { error: stdout.listenerCount('error'), close: stdout.listenerCount('close') };
    await demuxStream(Readable.from([frame(1, 'x')]), { stdout }, { signal: ac.signal });
    expect({ error: stdout.listenerCount('error'), close: stdout.listenerCount('close') }).toEqual(before);
    expect(stdout.listenerCount('drain')).toBe(0);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
});
