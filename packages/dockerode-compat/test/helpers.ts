import { Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';

/** Everything a stream yields, as UTF-8 text. */
export async function collectText(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString('utf8');
}

/** A tar of the given files (name -> content), as one Buffer. */
export async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const tar = pack();
  for (const [name, content] of Object.entries(files)) tar.entry({ name, mode: 0o644 }, content);
  tar.finalize();
  const parts: Buffer[] = [];
  for await (const chunk of tar as unknown as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts);
}

/** The regular files of a tar stream, name -> UTF-8 content (only small text files are kept). */
export async function untar(stream: NodeJS.ReadableStream): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const ex = extract();
  const source = stream instanceof Readable ? stream : Readable.from(stream as AsyncIterable<Buffer>);
  source.pipe(ex);
  for await (const entry of ex) {
    const parts: Buffer[] = [];
    for await (const chunk of entry) parts.push(chunk as Buffer);
    if (entry.header.type === 'file' && entry.header.size !== undefined && entry.header.size < 64 * 1024) out[entry.header.name] = Buffer.concat(parts).toString('utf8');
  }
  return out;
}
