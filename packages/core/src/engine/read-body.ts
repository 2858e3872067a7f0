import { MAX_ERROR_BODY_BYTES } from '../status-to-error.js';

/** Read at most `limit` bytes of a body, then stop reading (the caller closes the source). */
export async function readCapped(
  source: AsyncIterable<Buffer | Uint8Array>,
  limit = MAX_ERROR_BODY_BYTES,
): Promise<{ data: Buffer; truncated: boolean }> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (size + buf.length > limit) {
      parts.push(buf.subarray(0, limit - size));
      return { data: Buffer.concat(parts, limit), truncated: true };
    }
    parts.push(buf);
    size += buf.length;
  }
  return { data: Buffer.concat(parts, size), truncated: false };
}
