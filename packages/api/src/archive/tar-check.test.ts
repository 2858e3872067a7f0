import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { NotATarError, checkedTar, peekHead, tarHeaderProblem } from './tar-check.js';

async function tarBytes(): Promise<Buffer> {
  const p = pack();
  p.entry({ name: 'a.txt' }, 'hello');
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

async function drain(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const c of source) out.push(c);
  return Buffer.concat(out);
}

describe('tarHeaderProblem', () => {
  it('accepts a tar, an empty tar (zero blocks) and compressed streams', async () => {
    expect(tarHeaderProblem(await tarBytes())).toBeUndefined();
    expect(tarHeaderProblem(Buffer.alloc(1024))).toBeUndefined();
    expect(tarHeaderProblem(Buffer.from([0x1f, 0x8b, 8, 0]))).toBeUndefined();
  });
  it('names what is wrong with a non-tar', async () => {
    expect(tarHeaderProblem(Buffer.from('notatar\n'))).toMatch(/8 bytes long/);
    expect(tarHeaderProblem(Buffer.alloc(1000, 0x3b))).toMatch(/checksum/);
    const broken = await tarBytes();
    broken[0] = 0x41; // name changed, checksum not
    expect(tarHeaderProblem(broken)).toMatch(/does not match/);
  });
});

describe('checkedTar', () => {
  it('passes a tar through byte for byte, however it is chunked', async () => {
    const tar = await tarBytes();
    const pieces = [tar.subarray(0, 100), tar.subarray(100, 700), tar.subarray(700)];
    expect((await drain(checkedTar(Readable.from(pieces)))).equals(tar)).toBe(true);
  });
  it('throws NotATarError before passing anything on', async () => {
    const seen: Uint8Array[] = [];
    const run = async (): Promise<void> => {
      for await (const c of checkedTar(Readable.from([Buffer.alloc(300, 1), Buffer.alloc(300, 1)]))) seen.push(c);
    };
    await expect(run()).rejects.toBeInstanceOf(NotATarError);
    expect(seen).toEqual([]);
    await expect(drain(checkedTar(Readable.from([Buffer.from('short')])))).rejects.toThrow(/5 bytes long/);
  });
});

describe('peekHead', () => {
  it('puts the head back: the stream then reads whole, in object mode and byte mode', async () => {
    const tar = await tarBytes();
    const objectMode = Readable.from([tar.subarray(0, 100), tar.subarray(100, 600), tar.subarray(600)]);
    const a = await peekHead(objectMode);
    expect(a.ended).toBe(false);
    expect(a.head.length).toBeGreaterThanOrEqual(512);
    expect((await drain(objectMode)).equals(tar)).toBe(true);

    const byteMode = new Readable({ read() {} });
    byteMode.push(tar.subarray(0, 300));
    setTimeout(() => {
      byteMode.push(tar.subarray(300));
      byteMode.push(null);
    }, 5);
    const b = await peekHead(byteMode);
    expect(b.ended).toBe(false);
    expect((await drain(byteMode)).equals(tar)).toBe(true);
  });

  it('reports a stream shorter than a block as ended, with all its bytes', async () => {
    const r = Readable.from([Buffer.from('abc'), Buffer.from('de')]);
    const { head, ended } = await peekHead(r);
    expect(ended).toBe(true);
    expect(head.toString()).toBe('abcde');
  });

  it('rejects when the stream errors before the head is read', async () => {
    const r = new Readable({ read() {} });
    setTimeout(() => r.destroy(new Error('disk on fire')), 5);
    await expect(peekHead(r)).rejects.toThrow(/disk on fire/);
  });
});
