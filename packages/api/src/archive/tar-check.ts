import type { Readable } from 'node:stream';

/**
 * A cheap look at the first 512 bytes of an upload: is it a tar (or a compressed stream the
 * daemon decompresses)? The daemon answers 200 to a short body that is not a tar at all
 * (Go's tar reader sees EOF, extracts nothing), so the client checks before sending.
 */
const BLOCK = 512;

/** Why `head` is not the start of a tar archive, or undefined when it is one. */
export function tarHeaderProblem(head: Uint8Array): string | undefined {
  if (isCompressed(head)) return undefined;
  if (head.length < BLOCK) return `it is ${head.length} bytes long, shorter than one 512-byte tar header`;
  let zero = true;
  for (let i = 0; i < BLOCK; i++) {
    if (head[i] !== 0) {
      zero = false;
      break;
    }
  }
  if (zero) return undefined; // end-of-archive marker: an empty tar
  // The checksum field (bytes 148-155) is octal, NUL/space terminated; the sum counts that field as spaces.
  const field = Buffer.from(head.subarray(148, 156)).toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]+$/.test(field)) return 'its first 512-byte block has no valid tar checksum field';
  const want = parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : head[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (want !== unsigned && want !== signed) return 'the checksum of its first 512-byte block does not match (not a tar header)';
  return undefined;
}

/** gzip, bzip2 and xz: what the daemon's PUT /archive and /build accept besides a plain tar. */
function isCompressed(h: Uint8Array): boolean {
  if (h.length >= 2 && h[0] === 0x1f && h[1] === 0x8b) return true;
  if (h.length >= 3 && h[0] === 0x42 && h[1] === 0x5a && h[2] === 0x68) return true;
  return h.length >= 6 && h[0] === 0xfd && h[1] === 0x37 && h[2] === 0x7a && h[3] === 0x58 && h[4] === 0x5a && h[5] === 0x00;
}

/** Thrown by checkedTar's iterator; the caller turns it into its own error. */
export class NotATarError extends Error {
  override name = 'NotATarError';
}

/**
 * Passes the chunks of `source` through unchanged (no copy once the first block is checked),
 * throwing NotATarError before the first byte is passed on when the start is not a tar.
 * Pulls only as fast as it is read, so backpressure reaches the source.
 */
export async function* checkedTar(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array, void, undefined> {
  const held: Uint8Array[] = [];
  let heldBytes = 0;
  let checked = false;
  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    if (checked) {
      yield chunk;
      continue;
    }
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes < BLOCK) continue;
    const head = Buffer.concat(held, heldBytes);
    const problem = tarHeaderProblem(head);
    if (problem !== undefined) throw new NotATarError(problem);
    checked = true;
    held.length = 0;
    yield head;
  }
  if (!checked) {
    const head = Buffer.concat(held, heldBytes);
    const problem = tarHeaderProblem(head);
    if (problem !== undefined) throw new NotATarError(problem);
    if (head.length > 0) yield head;
  }
}

/**
 * Reads the first 512 bytes of a Readable (or all of it, if shorter) and puts them back, so
 * the stream itself can then be sent as it is: no wrapper between it and the socket.
 * Resolves to those bytes and whether the stream had ended (then they are the whole body).
 */
export async function peekHead(r: Readable): Promise<{ head: Buffer; ended: boolean }> {
  const parts: Buffer[] = [];
  let bytes = 0;
  let ended = false;
  while (bytes < BLOCK) {
    const chunk = r.read() as Buffer | string | null;
    if (chunk !== null) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      parts.push(buf);
      bytes += buf.length;
      continue;
    }
    if (r.readableEnded) {
      ended = true;
      break;
    }
    if (r.destroyed) throw (r.errored as Error | null) ?? new Error('the tar stream was destroyed before it was read');
    const outcome = await new Promise<'more' | 'end'>((resolve, reject) => {
      const done = (what: 'more' | 'end'): void => {
        r.off('readable', onReadable);
        r.off('end', onEnd);
        r.off('error', onError);
        r.off('close', onClose);
        resolve(what);
      };
      const onReadable = (): void => done('more');
      const onEnd = (): void => done('end');
      const onClose = (): void => done('end');
      const onError = (err: Error): void => {
        r.off('readable', onReadable);
        r.off('end', onEnd);
        r.off('close', onClose);
        reject(err);
      };
      r.on('readable', onReadable);
      r.on('end', onEnd);
      r.on('error', onError);
      r.on('close', onClose);
    });
    if (outcome === 'end') {
      ended = true;
      break;
    }
  }
  const head = parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes);
  if (!ended) {
    // An object-mode stream (Readable.from(buffers)) takes the chunks back one by one.
    if (r.readableObjectMode) for (let i = parts.length - 1; i >= 0; i--) r.unshift(parts[i]);
    else r.unshift(head);
  }
  return { head, ended };
}

export function isAsyncIterable(v: unknown): v is AsyncIterable<Uint8Array> {
  return typeof v === 'object' && v !== null && typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}
