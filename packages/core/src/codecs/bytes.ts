import { DockerError } from '../errors.js';

/** A Buffer view of a Uint8Array chunk (no copy). Internal to the codecs. */
export function toBuffer(chunk: Uint8Array, who: string): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const got = typeof chunk === 'string' ? 'a string (was setEncoding() called on the source?)' : typeof chunk;
  throw new DockerError(`${who}: expected Buffer or Uint8Array chunks, got ${got}`);
}
