import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { DockerError, ProtocolError } from '../errors.js';
import { DEFAULT_MAX_LINE_BYTES, JsonLinesDecoder, decodeJsonLines, type JsonLinesOptions } from './json-lines.js';
import { catchError, chunksOf, prng, splitAt } from '../../test/chunking.js';

function decode(chunks: readonly Uint8Array[], options?: JsonLinesOptions): { values: unknown[]; error: unknown } {
  const values: unknown[] = [];
  const d = new JsonLinesDecoder((v) => values.push(v), options);
  try {
    for (const c of chunks) d.push(c);
    d.end();
  } catch (error) {
    return { values, error };
  }
  return { values, error: undefined };
}

async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of gen) out.push(v);
  return out;
}

// Pull progress, events and stats-like lines, with multi-byte UTF-8 (2, 3 and 4 bytes), CRLF,
// blank lines, a whitespace-only line, and a last line without a newline.
const VALUES: unknown[] = [
  { status: 'Pulling from library/alpine', id: 'latest' },
  { status: 'Downloading', progressDetail: { current: 1024, total: 3_000_000 }, id: 'a1b2c3' },
  { Type: 'container', Action: 'start', Actor: { Attributes: { name: 'café-日本-😀' } } },
  'a bare string',
  42,
  [1, 2, { deep: ['é', '€', '𝄞'] }],
  null,
  { stream: 'Step 1/2 : FROM alpine\n' },
];
const TEXT = [
  JSON.stringify(VALUES[0]) + '\n',
  JSON.stringify(VALUES[1]) + '\r\n',
  '\n',
  '\r\n',
  JSON.stringify(VALUES[2]) + '\n',
  '   \t \n',
  JSON.stringify(VALUES[3]) + '\r\n',
  '  ' + JSON.stringify(VALUES[4]) + '  \n',
  JSON.stringify(VALUES[5]) + '\n',
  JSON.stringify(VALUES[6]) + '\n',
  JSON.stringify(VALUES[7]), // no trailing newline
].join('');
const INPUT = Buffer.from(TEXT, 'utf8');

describe('JsonLinesDecoder', () => {
  it('decodes the sample in one chunk', () => {
    expect(decode([INPUT])).toEqual({ values: VALUES, error: undefined });
  });

  it('gives the same values when split at every single byte boundary', () => {
    for (let p = 0; p <= INPUT.length; p++) {
      const { values, error } = decode(splitAt(INPUT, p));
      if (error !== undefined || JSON.stringify(values) !== JSON.stringify(VALUES)) throw new Error(`split at ${p}: ${String(error)}`);
    }
  });

  it('gives the same values for every chunk size 1..N', () => {
    for (let size = 1; size <= INPUT.length; size++) {
      const { values, error } = decode(chunksOf(INPUT, size));
      if (error !== undefined || JSON.stringify(values) !== JSON.stringify(VALUES)) throw new Error(`size ${size}: ${String(error)}`);
    }
  });

  it('gives the same values for 500 seeded random chunkings', () => {
    const rnd = prng(42);
    const big = Buffer.concat(Array.from({ length: 20 }, () => Buffer.concat([INPUT, Buffer.from('\n')])));
    const want = Array.from({ length: 20 }, () => VALUES).flat();
    for (let round = 0; round < 500; round++) {
      const points: number[] = [];
      for (let at = 0; ; ) {
        at += 1 + Math.floor(rnd() * (rnd() < 0.5 ? 4 : 400));
        if (at >= big.length) break;
        points.push(at);
      }
      const { values, error } = decode(splitAt(big, ...points));
      if (error !== undefined || JSON.stringify(values) !== JSON.stringify(want)) throw new Error(`round ${round}: ${String(error)}`);
    }
  });

  it('decodes characters split inside their UTF-8 sequence', () => {
    const line = Buffer.from(JSON.stringify({ s: 'é€😀' }) + '\n');
    const starts = [line.indexOf(Buffer.from('é')), line.indexOf(Buffer.from('€')), line.indexOf(Buffer.from('😀'))];
    let inside = 0;
    for (const [start, width] of [
      [starts[0]!, 2],
      [starts[1]!, 3],
      [starts[2]!, 4],
    ] as const) {
      for (let k = 1; k < width; k++) {
        const p = start + k;
        expect(line[p]! & 0xc0).toBe(0x80); // a continuation byte: the split is mid-character
        expect(decode(splitAt(line, p))).toEqual({ values: [{ s: 'é€😀' }], error: undefined });
        // ...and with the halves of the character in separate chunks between other splits.
        expect(decode(splitAt(line, p - 1, p, p + 1)).values).toEqual([{ s: 'é€😀' }]);
        inside++;
      }
    }
    expect(inside).toBe(1 + 2 + 3);
  });

  it('handles CRLF, including a CR and its LF in different chunks', () => {
    const buf = Buffer.from('{"a":1}\r\n{"b":"x\\r"}\r\n');
    expect(decode([buf]).values).toEqual([{ a: 1 }, { b: 'x\r' }]);
    const cr = buf.indexOf('\r');
    expect(decode(splitAt(buf, cr + 1)).values).toEqual([{ a: 1 }, { b: 'x\r' }]);
    expect(decode(splitAt(buf, cr)).values).toEqual([{ a: 1 }, { b: 'x\r' }]);
  });

  it('skips empty and whitespace-only lines', () => {
    expect(decode([Buffer.from('\n\r\n  \n{"a":1}\n\n\t\r\n')])).toEqual({ values: [{ a: 1 }], error: undefined });
    expect(decode([Buffer.from('\n\n')])).toEqual({ values: [], error: undefined });
  });

  it('decodes a final line without a newline only at end()', () => {
    const values: unknown[] = [];
    const d = new JsonLinesDecoder((v) => values.push(v));
    d.push(Buffer.from('{"a":1}\n{"b":'));
    d.push(Buffer.from('2}'));
    expect(values).toEqual([{ a: 1 }]);
    d.end();
    expect(values).toEqual([{ a: 1 }, { b: 2 }]);
    d.end(); // idempotent
    expect(values).toHaveLength(2);
    expect(decode([Buffer.from('{"c":3}\r')]).values).toEqual([{ c: 3 }]);
  });

  it('rejects invalid JSON with a ProtocolError quoting the line, after the values before it', () => {
    const { values, error } = decode([Buffer.from('{"ok":true}\n\n{"status": "Downloading", oops}\n{"never":1}\n')]);
    expect(values).toEqual([{ ok: true }]);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('DOCKLINE_ERR_PROTOCOL');
    expect((error as Error).message).toContain('line 3');
    expect((error as Error).message).toContain('"{\\"status\\": \\"Downloading\\", oops}"');
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
    // An invalid final line (no newline) fails at end().
    expect(decode([Buffer.from('{"a":1}\n{"a":')]).error).toBeInstanceOf(ProtocolError);
  });

  it('truncates the quoted line to about 200 characters', () => {
    const bad = '{"x":"' + 'y'.repeat(10_000) + '",}';
    const { error } = decode([Buffer.from(bad + '\n')]);
    expect(error).toBeInstanceOf(ProtocolError);
    const message = (error as Error).message;
    expect(message).toContain(JSON.stringify(bad.slice(0, 200)) + '…');
    expect(message).toContain('(10009 bytes)');
    expect(message.length).toBeLessThan(600);
  });

  it('rethrows its first error on every later call, and refuses push() after end()', () => {
    const d = new JsonLinesDecoder(() => undefined);
    const first = catchError(() => d.push(Buffer.from('nope\n')));
    expect(first).toBeInstanceOf(ProtocolError);
    expect(catchError(() => d.push(Buffer.from('{}\n')))).toBe(first);
    expect(catchError(() => d.end())).toBe(first);
    const ended = new JsonLinesDecoder(() => undefined);
    ended.end();
    expect(catchError(() => ended.push(Buffer.from('{}\n')))).toBeInstanceOf(DockerError);
  });

  it('caps a line at maxLineBytes, whether or not its newline has arrived', () => {
    const max = 1024;
    const ok = JSON.stringify({ s: 'a'.repeat(max - 8) }); // exactly max bytes
    expect(Buffer.byteLength(ok)).toBe(max);
    expect(decode([Buffer.from(ok + '\n' + ok)], { maxLineBytes: max }).values).toHaveLength(2);

    const tooLong = JSON.stringify({ s: 'a'.repeat(max - 7) });
    const whole = decode([Buffer.from('{}\n' + tooLong + '\n')], { maxLineBytes: max });
    expect(whole.values).toEqual([{}]);
    expect(whole.error).toBeInstanceOf(ProtocolError);
    expect((whole.error as Error).message).toMatch(/line 2 .*exceeds the maximum of 1024 bytes \(1025 bytes\)/);

    // A line that never ends fails as soon as the cap is passed: nothing unbounded is buffered.
    const d = new JsonLinesDecoder(() => undefined, { maxLineBytes: max });
    const piece = Buffer.alloc(100, 0x61);
    let pushed = 0;
    const error = catchError(() => {
      for (;;) {
        d.push(piece);
        pushed += piece.length;
        if (pushed > 100 * max) return;
      }
    });
    expect(error).toBeInstanceOf(ProtocolError);
    expect(pushed).toBe(1000); // the 11th push (1100 bytes) threw
    expect((error as Error).message).toContain('at least 1100 bytes');
  });

  it('caps lines at 16 MiB by default', () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(16 * 1024 * 1024);
    const d = new JsonLinesDecoder(() => undefined);
    const mib = Buffer.alloc(1024 * 1024, 0x20);
    for (let i = 0; i < 16; i++) d.push(mib);
    expect(catchError(() => d.push(Buffer.from(' ')))).toBeInstanceOf(ProtocolError);
    expect(() => new JsonLinesDecoder(() => undefined, { maxLineBytes: 0 })).toThrow(DockerError);
  });

  it('assembles a long line from many small chunks in linear time', () => {
    // 8 MiB in 512-byte chunks: re-concatenating the backlog per chunk would copy ~64 GB.
    // Counted in bytes concatenated, not in milliseconds (no timing asserts in tests).
    const line = Buffer.from(JSON.stringify({ blob: 'z'.repeat(8 * 1024 * 1024) }) + '\n');
    const values: { blob: string }[] = [];
    const d = new JsonLinesDecoder<{ blob: string }>((v) => values.push(v));
    const concat = vi.spyOn(Buffer, 'concat');
    try {
      for (const c of chunksOf(line, 512)) d.push(c);
      d.end();
      const copied = concat.mock.results.reduce((n, r) => n + (r.value as Buffer).length, 0);
      expect(copied).toBeLessThanOrEqual(2 * line.length);
    } finally {
      concat.mockRestore();
    }
    expect(values).toHaveLength(1);
    expect(values[0]!.blob.length).toBe(8 * 1024 * 1024);
  });

  it('accepts plain Uint8Array chunks, and does not keep views of them', () => {
    const values: unknown[] = [];
    const d = new JsonLinesDecoder((v) => values.push(v));
    const chunk = new Uint8Array(Buffer.from('{"a":"first"}\n{"b":"sec'));
    d.push(chunk);
    chunk.fill(0x21); // the source reuses its buffer
    d.push(new Uint8Array(Buffer.from('ond"}\n')));
    expect(values).toEqual([{ a: 'first' }, { b: 'second' }]);
  });
});

describe('decodeJsonLines', () => {
  it('yields the values of a Readable, whatever its chunking', async () => {
    expect(await collect(decodeJsonLines(Readable.from(chunksOf(INPUT, 7))))).toEqual(VALUES);
    expect(await collect(decodeJsonLines(Readable.from([INPUT])))).toEqual(VALUES);
  });

  it('yields the values decoded before an error, then throws it', async () => {
    async function* source(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(Buffer.from('{"a":1}\n{"b":2}\n{bad}\n{"c":3}\n'));
    }
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const v of decodeJsonLines(source())) seen.push(v);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ a: 1 }, { b: 2 }]);
    expect(error).toBeInstanceOf(ProtocolError);
  });

  it('fails on a truncated final line and honours maxLineBytes', async () => {
    await expect(collect(decodeJsonLines(Readable.from([Buffer.from('{"a":1}\n{"a"')])))).rejects.toBeInstanceOf(ProtocolError);
    await expect(
      collect(decodeJsonLines(Readable.from([Buffer.from('"' + 'x'.repeat(100) + '"\n')]), { maxLineBytes: 50 })),
    ).rejects.toThrow(/exceeds the maximum of 50 bytes/);
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Buffer> {
      try {
        for (let i = 0; ; i++) yield Buffer.from(`{"i":${i}}\n`);
      } finally {
        closed = true;
      }
    }
    const seen: unknown[] = [];
    for await (const v of decodeJsonLines<{ i: number }>(source())) {
      seen.push(v);
      if (v.i === 2) break;
    }
    expect(seen).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(closed).toBe(true);
  });
});
