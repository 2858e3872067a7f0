// Small tar helpers for the archive and build tests (tar-stream, streamed both ways).
import { Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';

export interface TarEntrySpec {
  name: string;
  type?: 'file' | 'directory' | 'symlink';
  body?: Buffer;
  linkname?: string;
  mode?: number;
}

/** A tar stream of the given entries (a Readable, as users would pass one). */
export function tarOf(entries: TarEntrySpec[]): Readable {
  const p = pack();
  for (const e of entries) {
    if (e.type === 'directory') p.entry({ name: e.name, type: 'directory', mode: e.mode ?? 0o755 });
    else if (e.type === 'symlink') p.entry({ name: e.name, type: 'symlink', linkname: e.linkname ?? '' });
    else p.entry({ name: e.name, mode: e.mode ?? 0o644 }, e.body ?? Buffer.alloc(0));
  }
  p.finalize();
  return Readable.from(p as AsyncIterable<Buffer>);
}

export async function tarBuffer(entries: TarEntrySpec[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of tarOf(entries)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface ReadEntry {
  name: string;
  type: string;
  size: number;
  linkname: string | null;
  body: Buffer;
}

/** Reads a tar stream into its entries (bodies in memory: for small test archives). */
export async function readTar(stream: AsyncIterable<Uint8Array>): Promise<Map<string, ReadEntry>> {
  const out = new Map<string, ReadEntry>();
  const ex = extract();
  Readable.from(stream).pipe(ex as unknown as NodeJS.WritableStream);
  for await (const e of ex) {
    const chunks: Buffer[] = [];
    for await (const c of e as AsyncIterable<Buffer>) chunks.push(c);
    out.set(e.header.name, { name: e.header.name, type: e.header.type, size: e.header.size, linkname: e.header.linkname, body: Buffer.concat(chunks) });
  }
  return out;
}
