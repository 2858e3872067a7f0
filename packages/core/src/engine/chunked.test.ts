import { describe, expect, it } from 'vitest';
import { catchError, chunksOf, prng, splitAt } from '../../test/chunking.js';
import { ProtocolError } from '../errors.js';
import { ChunkedDecoder } from './chunked.js';

/** A chunked encoding of `pieces`, with an extension, mixed-case hex and a trailer. */
function encode(pieces: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  pieces.forEach((p, i) => {
    const size = i % 2 === 0 ? p.length.toString(16) : p.length.toString(16).toUpperCase();
    parts.push(Buffer.from(`${size}${i === 1 ? ';name=value' : ''}\r\n`), p, Buffer.from('\r\n'));
  });
  parts.push(Buffer.from('0\r\nX-Trailer: yes\r\n\r\n'));
  return Buffer.concat(parts);
}

/** Decode `input` delivered as `chunks` (each copied: the decoder may rewrite its input). */
function decodeAll(chunks: Buffer[]): { out: Buffer; done: boolean } {
  const d = new ChunkedDecoder('ContainerLogs');
  const out: Buffer[] = [];
  for (const c of chunks) out.push(Buffer.from(d.decode(Buffer.from(c))));
  return { out: Buffer.concat(out), done: d.done };
}

const frames = Array.from({ length: 40 }, (_, i) => Buffer.from(`${'x'.repeat(i % 7)}line ${i}\n`));
const body = Buffer.concat(frames);
const wire = encode(frames);

describe('ChunkedDecoder', () => {
  it('decodes the payload whole, skipping extensions and trailers, and knows the end', () => {
    expect(decodeAll([wire])).toEqual({ out: body, done: true });
  });

  it('knows the average size of the chunks begun so far (what read pacing tells chatty streams by)', () => {
    const d = new ChunkedDecoder('ContainerArchive');
    expect(d.averageChunk).toBe(0);
    d.decode(Buffer.from('a\r\n0123456789\r\n14\r\n0123'));
    expect(d.averageChunk).toBe(15); // 10 and 20 (0x14) bytes, the second not yet whole
    d.decode(Buffer.from('4567890123456789\r\n0\r\n\r\n'));
    expect(d.averageChunk).toBe(15); // the terminating chunk is not one
  });

  it('gives the same output when split at every byte boundary', () => {
    for (let i = 1; i < wire.length; i++) expect(decodeAll(splitAt(wire, i)).out.equals(body), `split at ${i}`).toBe(true);
  });

  it('gives the same output for every chunk size, and for seeded random chunkings', () => {
    for (let size = 1; size <= 64; size++) expect(decodeAll(chunksOf(wire, size))).toEqual({ out: body, done: true });
    const random = prng(7);
    for (let run = 0; run < 200; run++) {
      const points: number[] = [];
      for (let p = 1 + Math.floor(random() * 50); p < wire.length; p += 1 + Math.floor(random() * 50)) points.push(p);
      expect(decodeAll(splitAt(wire, ...points)).out.equals(body)).toBe(true);
    }
  });

  it('returns a view of its input: one piece as is, several compacted to the front in place', () => {
    const d = new ChunkedDecoder('ContainerLogs');
    const input = Buffer.from('3\r\nabc\r\n2\r\nde\r\n');
    const out = d.decode(input);
    expect(out.toString()).toBe('abcde');
    expect(out.buffer).toBe(input.buffer);
    expect(out.byteOffset).toBe(input.byteOffset);
    const big = Buffer.concat([Buffer.from('400\r\n'), Buffer.alloc(0x400, 7), Buffer.from('\r\n')]);
    const view = new ChunkedDecoder('ContainerExport').decode(big);
    expect(view.length).toBe(0x400);
    expect(view.byteOffset).toBe(big.byteOffset + 5); // no copy at all
  });

  it('ignores what follows the end of the body', () => {
    const d = new ChunkedDecoder('ContainerLogs');
    expect(d.decode(Buffer.from('1\r\na\r\n0\r\n\r\nHTTP/1.1 200 OK')).toString()).toBe('a');
    expect(d.done).toBe(true);
    expect(d.decode(Buffer.from('5\r\nhello\r\n')).length).toBe(0);
  });

  it('rejects malformed framing with a ProtocolError naming the operation', () => {
    const cases = ['zz\r\n', '3\r\nabcd\r\n', '3\r\nabc\rX', '3\rX', ';ext\r\n', `${'f'.repeat(13)}\r\n`, '0\r\nX-T: 1\r\n\rX'];
    for (const text of cases) {
      const err = catchError(() => new ChunkedDecoder('ContainerLogs').decode(Buffer.from(text)));
      expect(err, JSON.stringify(text)).toBeInstanceOf(ProtocolError);
      expect((err as Error).message).toMatch(/^ContainerLogs: malformed chunked response body/);
    }
  });
});
